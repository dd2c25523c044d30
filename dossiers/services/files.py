"""Writes of dossier files: uploads checked by content, deduplicated by SHA-256."""

import hashlib
from datetime import datetime
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Count, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from procedures.models import RequiredDocument

from .. import filetypes
from ..choices import DossierAction, DossierStatus, FilePurpose
from ..models import Dossier, DossierFile
from ..permissions import file_action_for
from ..workflow import check_action
from .common import dossier_lock_for_action, event_record

S = DossierStatus

# Who may add or remove a file, and in which statuses: dossiers.permissions ("attach_file",
# "digitise_file", "remove_file").
SUPPLEMENT_STATUSES = frozenset({S.NEEDS_SUPPLEMENT})


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
    """Store an uploaded document after checking its size, its name and its content
    (`filetypes.check_upload`: the real type, and nothing unsafe to keep), and, for an upload
    by someone other than staff, the dossier's and the uploader's daily quotas.

    A supplement is taken only while the dossier awaits one. The same content already attached
    for the same required document is not stored twice: that file is returned and no event is
    written. A refused upload stores nothing and leaves the dossier as it was.
    """
    dossier = dossier_lock_for_action(
        file_action_for, dossier=dossier, actor=actor, expected_updated_at=expected_updated_at
    )
    if purpose == FilePurpose.SUPPLEMENT:
        check_action(dossier.status, SUPPLEMENT_STATUSES, "attach_supplement")
    if purpose not in FilePurpose.values:
        raise ValidationError(_("Unknown file purpose."), code="invalid")
    if required_document is not None and required_document.procedure_id != dossier.procedure_id:
        raise ValidationError(
            _("This document is not one the procedure asks for."), code="invalid_document"
        )
    if (
        required_document is not None
        and required_document.case_id is not None
        and required_document.case_id != dossier.document_case_id
    ):
        raise ValidationError(
            _("This document belongs to another case than the dossier's."), code="other_case"
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
    full_name = PurePath(upload.name or "").name
    file_type = filetypes.check_upload(upload, name=full_name)
    # Shortened to fit the column, keeping the extension the name was checked with.
    extension = filetypes.extension_of(full_name)
    original_name = (
        full_name[: 255 - len(extension)] + extension if len(full_name) > 255 else full_name
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
    if actor is not None and not getattr(actor, "is_staff_member", False):
        _check_quotas(dossier=dossier, uploader=actor, size=size, now=now)
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
        event_record(
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


def _check_quotas(
    *, dossier: Dossier, uploader: AbstractBaseUser, size: int, now: datetime
) -> None:
    """Refuse an upload that would take the dossier, or what the uploader stored today (local
    calendar day), past its number of files or bytes. Files staff attached count in the
    dossier's total, though staff uploads themselves are not checked (see the caller)."""
    held = DossierFile.objects.filter(dossier=dossier).aggregate(
        files=Count("pk"), size=Sum("size")
    )
    if held["files"] + 1 > settings.UPLOAD_DOSSIER_MAX_FILES:
        raise ValidationError(
            _(
                "This dossier already has %(limit)s files, the most allowed. Remove files you "
                "no longer need before adding others."
            ),
            code="dossier_file_quota",
            params={"limit": settings.UPLOAD_DOSSIER_MAX_FILES},
        )
    if (held["size"] or 0) + size > settings.UPLOAD_DOSSIER_MAX_BYTES:
        raise ValidationError(
            _(
                "With this file the dossier's files would take more than %(limit)s, the most "
                "allowed. Remove files you no longer need or make this one smaller (for "
                "example, scan at a lower resolution)."
            ),
            code="dossier_size_quota",
            params={"limit": filesizeformat(settings.UPLOAD_DOSSIER_MAX_BYTES)},
        )
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    stored_today = DossierFile.objects.filter(
        uploaded_by=uploader, uploaded_at__gte=today
    ).aggregate(files=Count("pk"), size=Sum("size"))
    if stored_today["files"] + 1 > settings.UPLOAD_USER_DAILY_MAX_FILES:
        raise ValidationError(
            _(
                "You have uploaded %(limit)s files today, the most allowed in a day. Try again "
                "tomorrow."
            ),
            code="daily_file_quota",
            params={"limit": settings.UPLOAD_USER_DAILY_MAX_FILES},
        )
    if (stored_today["size"] or 0) + size > settings.UPLOAD_USER_DAILY_MAX_BYTES:
        raise ValidationError(
            _(
                "With this file your uploads today would take more than %(limit)s, the most "
                "allowed in a day. Try again tomorrow."
            ),
            code="daily_size_quota",
            params={"limit": filesizeformat(settings.UPLOAD_USER_DAILY_MAX_BYTES)},
        )


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
    dossier = dossier_lock_for_action(
        "remove_file", dossier=dossier, actor=actor, expected_updated_at=expected_updated_at
    )
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
    event_record(dossier, DossierAction.FILE_REMOVED, dossier.status, actor=actor, data=data)
    return dossier
