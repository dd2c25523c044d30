"""Writes of dossier files: uploads checked by content, deduplicated by SHA-256."""

import hashlib
from datetime import datetime
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from procedures.models import RequiredDocument

from .. import filetypes
from ..choices import DossierAction, DossierStatus, FilePurpose
from ..models import Dossier, DossierFile
from ..workflow import check_action
from .dossiers import _lock, _record, check_fresh

S = DossierStatus

# Files may be added until the dossier is closed (results and receipts come late); the applicant's
# own documents may be removed only while the applicant holds the dossier.
ATTACH_STATUSES = frozenset(
    {S.DRAFT, S.SUBMITTED, S.NEEDS_SUPPLEMENT, S.RECEIVED, S.PROCESSING, S.RESULT_READY}
)
REMOVE_STATUSES = frozenset({S.DRAFT, S.NEEDS_SUPPLEMENT})


@transaction.atomic(durable=True)
def dossier_attach_file(
    *,
    dossier: Dossier,
    required_document: RequiredDocument | None = None,
    upload: File,
    actor: AbstractBaseUser | None,
    purpose: str = FilePurpose.APPLICATION,
    expected_updated_at: datetime | None = None,
) -> DossierFile:
    """Store an uploaded document after checking its size and its real type (magic bytes).

    The same content already attached for the same required document is not stored twice: that
    file is returned and no event is written.
    """
    dossier = _lock(dossier)
    check_action(dossier.status, ATTACH_STATUSES, "attach_file")
    check_fresh(dossier, expected_updated_at)
    if purpose not in FilePurpose.values:
        raise ValidationError(_("Unknown file purpose."), code="invalid")
    if required_document is not None and required_document.procedure_id != dossier.procedure_id:
        raise ValidationError(
            _("This document is not one the procedure asks for."), code="invalid_document"
        )
    size = upload.size
    if size is None or size <= 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > settings.UPLOAD_MAX_FILE_SIZE:
        raise ValidationError(
            _("The file is too large: at most %(limit)s."),
            code="too_large",
            params={"limit": filesizeformat(settings.UPLOAD_MAX_FILE_SIZE)},
        )
    original_name = PurePath(upload.name or "").name[:255] or "tai-lieu"
    file_type = filetypes.sniff(upload)
    if file_type is None:
        raise ValidationError(filetypes.UNSUPPORTED_MESSAGE, code="unsupported_type")
    if not filetypes.extension_matches(original_name, file_type):
        raise ValidationError(
            _("The file name says one type but its content is another (%(type)s)."),
            code="type_mismatch",
            params={"type": file_type.label},
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    sha256 = digest.hexdigest()
    existing = DossierFile.objects.filter(
        dossier=dossier, required_document=required_document, sha256=sha256
    ).first()
    if existing is not None:
        return existing

    now = timezone.now()
    upload.seek(0)
    dossier_file = DossierFile(
        dossier=dossier,
        required_document=required_document,
        original_name=original_name,
        size=size,
        content_type=file_type.content_type,
        sha256=sha256,
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
        uploaded_at=now,
        is_digitised=bool(getattr(actor, "is_staff_member", False))
        and purpose == FilePurpose.APPLICATION,
        is_signed=filetypes.looks_signed(upload, file_type),
        purpose=purpose,
    )
    # The stored name is random (see dossier_file_path); the extension follows the content.
    dossier_file.file.save(f"upload{file_type.extension}", upload, save=False)
    try:
        dossier_file.save()
        dossier.save(update_fields=["updated_at"])
        _record(
            dossier,
            DossierAction.FILE_ATTACHED,
            dossier.status,
            actor=actor,
            at=now,
            data={
                "file": dossier_file.pk,
                "name": original_name,
                "sha256": sha256,
                "required_document": required_document.pk if required_document else None,
                "purpose": purpose,
            },
        )
    except BaseException:
        # The transaction rolls back; the stored file must not outlive it.
        dossier_file.file.storage.delete(dossier_file.file.name)
        raise
    return dossier_file


@transaction.atomic(durable=True)
def dossier_remove_file(
    *,
    dossier: Dossier,
    file_id: int,
    actor: AbstractBaseUser | None,
    expected_updated_at: datetime | None = None,
) -> Dossier:
    """Remove a file from a draft, or a supplement file from a dossier awaiting a supplement
    (the documents already handed in stay)."""
    dossier = _lock(dossier)
    check_action(dossier.status, REMOVE_STATUSES, "remove_file")
    check_fresh(dossier, expected_updated_at)
    dossier_file = DossierFile.objects.filter(dossier=dossier, pk=file_id).first()
    if dossier_file is None:
        raise ValidationError(_("This file is not part of the dossier."), code="not_found")
    if dossier.status == S.NEEDS_SUPPLEMENT and dossier_file.purpose != FilePurpose.SUPPLEMENT:
        raise ValidationError(
            _("Documents already handed in stay with the dossier; only supplements go."),
            code="not_removable",
        )
    data = {
        "file": dossier_file.pk,
        "name": dossier_file.original_name,
        "sha256": dossier_file.sha256,
        "required_document": dossier_file.required_document_id,
    }
    name, storage = dossier_file.file.name, dossier_file.file.storage
    dossier_file.delete()
    transaction.on_commit(lambda: storage.delete(name))
    dossier.save(update_fields=["updated_at"])
    _record(dossier, DossierAction.FILE_REMOVED, dossier.status, actor=actor, data=data)
    return dossier
