"""Personal data of applicants (Law 91/2025/QH15, Decree 356/2025/NĐ-CP): who opened a dossier,
the applicant's copy of their data, and closing an account.

- `access_record_create`: one AccessRecord each time someone other than the applicant opens the
  dossier's staff page, a file or an issued document. `access_records_for_applicant` is what the
  applicant sees: the officer's role, agency and the moment, not the officer's name. The agency
  is who answers for the processing (the controller); the officer's name is the officer's own
  personal data and adds nothing the applicant needs to exercise their rights, while auditors
  read the full record, names included, in the admin.
- `personal_data_export`: a ZIP of the account, the user's dossiers (applicant fields, history,
  rating, who opened them) as JSON, and the dossiers' files, built in a temporary file.
- `account_close`: drafts deleted with their files and history, submitted dossiers kept (they
  are the agency's records, kept for their retention period), the account deactivated and its
  personal fields cleared.
"""

import json
import shutil
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.roles import Role

from ..choices import DossierAction, DossierStatus
from ..models import AccessKind, AccessRecord, Dossier, DossierEvent, DossierFile

# Role shown for a person with several roles: the first of these they have.
ROLE_ORDER = (
    Role.DESK_OFFICER,
    Role.SPECIALIST,
    Role.DIVISION_HEAD,
    Role.LEADER,
    Role.CATALOGUE_ADMIN,
    Role.CITIZEN,
)
ACCESS_RECORDS_SHOWN = 50
# The event notes the applicant's own timeline shows (reasons given to them); other notes are the
# agency's internal working notes.
APPLICANT_NOTE_ACTIONS = frozenset(
    {
        DossierAction.REFUSED,
        DossierAction.WITHDRAWN,
        DossierAction.SUPPLEMENT_REQUESTED,
        DossierAction.EXTENDED,
    }
)
EXPORT_JSON_NAME = "du-lieu-cua-toi.json"
COPY_CHUNK_SIZE = 1024 * 1024


# ---- access records --------------------------------------------------------------------------


def _role_of(user) -> str:
    names = user.role_names
    return next((role.value for role in ROLE_ORDER if role.value in names), "")


def access_record_create(
    *,
    dossier: Dossier,
    user: AbstractBaseUser,
    what: str,
    object_id: int | None = None,
    label: str = "",
) -> AccessRecord | None:
    """Record that `user` opened the dossier's personal data (`what`: an AccessKind). Nothing is
    recorded for the applicant opening their own dossier, nor for an anonymous request."""
    if user is None or not user.is_authenticated or user.pk == dossier.applicant_user_id:
        return None
    return AccessRecord.objects.create(
        dossier=dossier,
        user=user,
        role=_role_of(user),
        agency_id=user.agency_id,
        at=timezone.now(),
        what=what,
        object_id=object_id,
        label=label[:255],
    )


@dataclass(frozen=True)
class AccessRow:
    """One line of "who viewed my dossier"."""

    at: object
    by_you: bool
    role: str
    agency: str
    what: str
    label: str


def _access_row(record: AccessRecord, applicant_id: int | None) -> AccessRow:
    if record.role:
        role = str(Role(record.role).label)
    elif record.user.is_superuser:
        role = _("System administrator")
    else:
        role = _("Staff member")
    return AccessRow(
        at=record.at,
        by_you=record.user_id == applicant_id,
        role=role,
        agency=record.agency.name if record.agency else "",
        what=record.get_what_display(),
        label=record.label,
    )


def access_records_for_applicant(
    *, dossier: Dossier, limit: int = ACCESS_RECORDS_SHOWN
) -> tuple[list[AccessRow], int]:
    """A read for the applicant's dossier page: the latest `limit` openings of the dossier,
    newest first, without the officers' names, and how many there are in all."""
    records = AccessRecord.objects.filter(dossier=dossier)
    rows = [
        _access_row(record, dossier.applicant_user_id)
        for record in records.select_related("agency", "user").order_by("-at", "-pk")[:limit]
    ]
    return rows, records.count()


# ---- the applicant's copy of their data ------------------------------------------------------


def _iso(value):
    return value.isoformat() if value is not None else None


def _archive_name(dossier: Dossier, dossier_file: DossierFile) -> str:
    folder = dossier.code or f"nhap-{dossier.pk}"
    name = PurePath(dossier_file.original_name.replace("\\", "/")).name or "tep"
    return f"ho-so/{folder}/{dossier_file.pk}-{name}"


def _account_data(user) -> dict:
    return {
        "username": user.get_username(),
        "full_name": user.get_full_name(),
        "email": user.email,
        "phone": user.phone,
        "identity_number": user.identity_number,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
    }


def _dossier_data(dossier: Dossier, user) -> dict:
    rating = getattr(dossier, "rating", None)
    rows, _total = access_records_for_applicant(dossier=dossier, limit=None)
    return {
        "code": dossier.code,
        "procedure": {
            "code": dossier.procedure.code,
            "version": dossier.procedure.version,
            "name": dossier.procedure.name,
        },
        "agency": dossier.agency.name,
        "channel": dossier.channel,
        "status": dossier.status,
        "outcome": dossier.outcome,
        "applicant": {
            "name": dossier.applicant_name,
            "identity_number": dossier.applicant_identity_number,
            "phone": dossier.applicant_phone,
            "email": dossier.applicant_email,
            "address": dossier.applicant_address,
            "organisation": dossier.applicant_organisation,
        },
        "created_at": _iso(dossier.created_at),
        "submitted_at": _iso(dossier.submitted_at),
        "received_at": _iso(dossier.received_at),
        "due_at": _iso(dossier.due_at),
        "appointment_at": _iso(dossier.appointment_at),
        "completed_at": _iso(dossier.completed_at),
        "returned_at": _iso(dossier.returned_at),
        "withdrawn_at": _iso(dossier.withdrawn_at),
        "refused_at": _iso(dossier.refused_at),
        "supplement_items": dossier.supplement_items,
        "supplement_reason": dossier.supplement_reason,
        "events": [
            {
                "at": _iso(event.at),
                "action": event.action,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "note": event.note if event.action in APPLICANT_NOTE_ACTIONS else "",
                "by_you": event.actor_id == user.pk,
            }
            for event in dossier.events.order_by("at", "pk")
        ],
        "rating": (
            {"level": rating.level, "comment": rating.comment, "rated_at": _iso(rating.rated_at)}
            if rating is not None
            else None
        ),
        "viewed_by": [
            {
                "at": _iso(row.at),
                "by_you": row.by_you,
                "role": row.role,
                "agency": row.agency,
                "what": row.what,
                "object": row.label,
            }
            for row in rows
        ],
        "files": [],
    }


def _copy_file(archive: zipfile.ZipFile, dossier_file: DossierFile, name: str) -> bool:
    """Stream one stored file into the archive; False when it is missing from storage."""
    try:
        source = dossier_file.file.open("rb")
    except (FileNotFoundError, ValueError):
        return False
    with source, archive.open(name, "w", force_zip64=True) as target:
        shutil.copyfileobj(source, target, COPY_CHUNK_SIZE)
    return True


def personal_data_export(*, user) -> IO[bytes]:
    """A ZIP of everything the portal holds about `user` as an applicant: `du-lieu-cua-toi.json`
    (account, dossiers with applicant fields, history, rating, who opened them) and every file
    of their dossiers under `ho-so/<code>/`. Only dossiers whose account is `user`.

    Built in a temporary file (files are copied in chunks; nothing is held whole in memory) and
    returned open at its start; the caller closes it. Each dossier exported gets an access
    record of the export.
    """
    dossiers = list(
        Dossier.objects.filter(applicant_user=user)
        .select_related("procedure", "agency", "rating")
        .order_by("created_at", "pk")
    )
    data = {
        "exported_at": _iso(timezone.now()),
        "account": _account_data(user),
        "dossiers": [],
    }
    archive_file = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    try:
        with zipfile.ZipFile(archive_file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for dossier in dossiers:
                entry = _dossier_data(dossier, user)
                for dossier_file in dossier.files.order_by("uploaded_at", "pk"):
                    name = _archive_name(dossier, dossier_file)
                    copied = _copy_file(archive, dossier_file, name)
                    entry["files"].append(
                        {
                            "name": dossier_file.original_name,
                            "purpose": dossier_file.purpose,
                            "content_type": dossier_file.content_type,
                            "size": dossier_file.size,
                            "sha256": dossier_file.sha256,
                            "uploaded_at": _iso(dossier_file.uploaded_at),
                            "in_archive": name if copied else None,
                        }
                    )
                data["dossiers"].append(entry)
            archive.writestr(
                EXPORT_JSON_NAME,
                json.dumps(data, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder),
            )
    except BaseException:
        archive_file.close()
        raise
    now = timezone.now()
    AccessRecord.objects.bulk_create(
        [
            AccessRecord(
                dossier=dossier,
                user=user,
                role=_role_of(user),
                agency_id=user.agency_id,
                at=now,
                what=AccessKind.EXPORT,
            )
            for dossier in dossiers
        ]
    )
    archive_file.seek(0)
    return archive_file


# ---- closing an account ----------------------------------------------------------------------


@dataclass(frozen=True)
class ClosedAccount:
    drafts_deleted: int
    dossiers_kept: int


def _is_staff(user) -> bool:
    return user.is_superuser or user.is_staff or user.is_staff_member


@transaction.atomic(durable=True)
def account_close(*, user) -> ClosedAccount:
    """Close a citizen's account: its drafts are deleted with their files and history, its
    submitted dossiers stay (with the applicant details they were sent with), and the account is
    deactivated with its name, e-mail, phone, identity number and password cleared.

    Staff accounts are closed by an administrator (ValidationError, code "staff"). The caller logs
    the user out; other sessions of the account stop working with the cleared password.
    """
    user_model = get_user_model()
    user = user_model.objects.select_for_update().get(pk=user.pk)
    if _is_staff(user):
        raise ValidationError(
            _("A staff account is closed by an administrator, not here."), code="staff"
        )
    if not user.is_active:
        raise ValidationError(_("This account is already closed."), code="closed")
    owned = Dossier.objects.filter(applicant_user=user)
    drafts = owned.filter(status=DossierStatus.DRAFT, code__isnull=True, submitted_at__isnull=True)
    draft_ids = list(drafts.select_for_update().values_list("pk", flat=True))
    stored = [
        (dossier_file.file.storage, dossier_file.file.name)
        for dossier_file in DossierFile.objects.filter(dossier_id__in=draft_ids)
    ]
    # The append-only history of a draft that was never sent goes with it; the querysets refuse
    # deletes, so the plain QuerySet.delete runs (the database triggers allow unsent drafts only).
    models.QuerySet.delete(DossierEvent.objects.filter(dossier_id__in=draft_ids))
    models.QuerySet.delete(AccessRecord.objects.filter(dossier_id__in=draft_ids))
    Dossier.objects.filter(pk__in=draft_ids).delete()
    kept = owned.count()

    user.username = f"closed-{uuid.uuid4().hex}"
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.phone = ""
    user.identity_number = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()

    def delete_stored_files():
        for storage, name in stored:
            storage.delete(name)

    transaction.on_commit(delete_stored_files)
    return ClosedAccount(drafts_deleted=len(draft_ids), dossiers_kept=kept)
