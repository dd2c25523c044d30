"""Writes of issued documents: issue a form at its event, render and store it, rebuild it.

`document_issue` runs inside the transaction of the event (the workflow service calls it): the
IssuedDocument row and its snapshot commit with the event or not at all. Like the notification
outbox, nothing is published to the broker from the request: the beat renders pending documents
every minute, and a download renders one at once if it is still pending. A broker outage delays the
stored PDF, never the dossier; nothing is lost, the snapshot is what the document prints.
"""

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction

from ..choices import DocumentKind, DossierAction, FilePurpose
from ..documents import (
    CURRENT_BASIS,
    document_filename,
    document_number,
    document_pdf,
    document_snapshot,
)
from ..models import Dossier, DossierEvent, DossierFile, IssuedDocument

logger = logging.getLogger(__name__)


def document_issue(*, dossier: Dossier, kind: str, event: DossierEvent) -> IssuedDocument:
    """Issue the form `kind` for `event`, in the caller's transaction (rendered later)."""
    document = IssuedDocument.objects.create(
        dossier=dossier,
        kind=kind,
        basis=CURRENT_BASIS,
        number=document_number(kind, dossier),
        event=event,
        snapshot=document_snapshot(kind, dossier, event),
        issued_at=event.at,
    )
    return document


def _pdf_of(document: IssuedDocument) -> bytes:
    return document_pdf(
        document.kind, document.snapshot, number=document.number, basis=document.basis
    )


def issued_document_store(*, document_id: int) -> IssuedDocument:
    """Render a pending document and store it as a file of its dossier (idempotent: a document
    already stored is returned as it is).

    The render (a fraction of a second) runs outside any transaction; only the write locks the
    row. Two workers rendering the same document at once store it once.
    """
    document = IssuedDocument.objects.select_related("file").get(pk=document_id)
    if document.file_id is not None:
        return document
    data = _pdf_of(document)
    with transaction.atomic():
        document = (
            IssuedDocument.objects.select_for_update(of=("self",))
            .select_related("dossier", "file")
            .get(pk=document_id)
        )
        if document.file_id is not None:
            return document
        dossier_file = DossierFile(
            dossier=document.dossier,
            original_name=document_filename(document.kind, document.number),
            size=len(data),
            content_type="application/pdf",
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=None,
            uploaded_at=document.issued_at,
            purpose=FilePurpose.DOCUMENT,
        )
        dossier_file.file.save("document.pdf", ContentFile(data), save=False)
        name, storage = dossier_file.file.name, dossier_file.file.storage
        try:
            dossier_file.save()
            document.file = dossier_file
            document.save(update_fields=["file"])
        except BaseException:
            storage.delete(name)
            raise
    return document


# Which form each event issues (the workflow services call document_issue at these events).
FORM_OF_ACTION = {
    DossierAction.RECEIVED: DocumentKind.RECEIPT,
    DossierAction.SUPPLEMENT_REQUESTED: DocumentKind.SUPPLEMENT,
    DossierAction.REFUSED: DocumentKind.REFUSAL,
    DossierAction.EXTENDED: DocumentKind.APOLOGY,
    DossierAction.RETURNED: DocumentKind.CONTROL_SHEET,
    DossierAction.WITHDRAWN: DocumentKind.STOP_NOTICE,
}


@transaction.atomic
def issued_documents_backfill(*, dossiers: Iterable[Dossier]) -> int:
    """Issue the forms missing for the events of `dossiers` (dossiers loaded in bulk, such as
    the demo data, never went through the services); returns how many were issued."""
    issued = 0
    for dossier in dossiers:
        done = set(dossier.documents.values_list("event_id", "kind"))
        events = dossier.events.filter(action__in=FORM_OF_ACTION).order_by("at", "pk")
        for event in events:
            kind = FORM_OF_ACTION[event.action]
            if (event.pk, kind) not in done:
                document_issue(dossier=dossier, kind=kind, event=event)
                issued += 1
    return issued


@dataclass(frozen=True)
class Regenerated:
    data: bytes
    sha256: str
    identical: bool  # the same bytes as the stored file's recorded hash


def issued_document_regenerate(*, document: IssuedDocument) -> Regenerated:
    """Render the document again from its snapshot and compare with the stored file's hash.

    A stored file that went missing (or was damaged) is written back when the new render matches
    the recorded hash; a mismatch is logged and the stored file left alone.
    """
    if document.file_id is None:
        document = issued_document_store(document_id=document.pk)
    data = _pdf_of(document)
    sha256 = hashlib.sha256(data).hexdigest()
    identical = sha256 == document.file.sha256
    if not identical:
        logger.error(
            "Document %s renders with a different hash (%s, stored %s)",
            document.pk,
            sha256,
            document.file.sha256,
        )
    elif not _stored_bytes_match(document.file):
        storage = document.file.file.storage
        storage.delete(document.file.file.name)
        storage.save(document.file.file.name, ContentFile(data))
    return Regenerated(data=data, sha256=sha256, identical=identical)


def issued_document_pdf(*, document: IssuedDocument) -> bytes:
    """The document's PDF for a download: the stored file when it is intact; rendered now if
    still pending; rebuilt from the snapshot (byte-identical) if the stored file went missing or
    no longer matches its hash."""
    if document.file_id is None:
        document = issued_document_store(document_id=document.pk)
    stored = _stored_bytes(document.file)
    if stored is not None and hashlib.sha256(stored).hexdigest() == document.file.sha256:
        return stored
    return issued_document_regenerate(document=document).data


def _stored_bytes(dossier_file: DossierFile) -> bytes | None:
    try:
        with dossier_file.file.open("rb") as handle:
            return handle.read()
    except (FileNotFoundError, ValueError):
        return None


def _stored_bytes_match(dossier_file: DossierFile) -> bool:
    stored = _stored_bytes(dossier_file)
    return stored is not None and hashlib.sha256(stored).hexdigest() == dossier_file.sha256


def issued_documents_render_pending(*, limit: int = 200) -> int:
    """Render the pending documents, oldest first; returns how many were stored."""
    pending = list(
        IssuedDocument.objects.filter(file__isnull=True)
        .order_by("issued_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    stored = 0
    for document_id in pending:
        try:
            issued_document_store(document_id=document_id)
            stored += 1
        except Exception:  # noqa: BLE001 - one bad document must not stop the others
            logger.exception("Could not render document %s", document_id)
    return stored
