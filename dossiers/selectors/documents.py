"""Reads of issued documents; the dossier itself is already scoped by dossier_get_for_user."""

from django.db.models import QuerySet
from django.http import Http404

from ..choices import DocumentKind, FilePurpose
from ..models import Dossier, DossierFile, IssuedDocument


def issued_documents_of(*, dossier: Dossier) -> QuerySet[IssuedDocument]:
    """The documents issued for a dossier, oldest first."""
    return dossier.documents.select_related("file").order_by("issued_at", "pk")


def issued_document_get(*, dossier: Dossier, document_id) -> IssuedDocument:
    try:
        return issued_documents_of(dossier=dossier).get(pk=document_id)
    except (IssuedDocument.DoesNotExist, ValueError, TypeError):
        raise Http404("No such document for this dossier.") from None


def submitted_files_of(*, dossier: Dossier) -> QuerySet[DossierFile]:
    """The dossier's files other than the documents it was issued (those are listed apart)."""
    return dossier.files.exclude(purpose=FilePurpose.DOCUMENT).select_related("required_document")


def issued_receipt_of(*, dossier: Dossier) -> IssuedDocument | None:
    """The receipt (Mẫu 01) issued at the dossier's latest reception, if one was issued."""
    return issued_documents_of(dossier=dossier).filter(kind=DocumentKind.RECEIPT).last()
