"""Writes of dossiers: every status change runs here, one transaction each.

Each service on an existing dossier opens with `common.dossier_lock_for_action` (lock, permission,
status, freshness: two officers acting at once, the second one sees the first one's result and gets
InvalidTransition), saves, and writes exactly one DossierEvent.
"""

from collections.abc import Mapping
from datetime import date, datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.validators import normalize_phone
from procedures.models import Agency, DocumentCase, Procedure, RequiredDocument, TimeLimit
from procedures.selectors import procedure_documents_for_case
from procedures.text import fold

from ..choices import DocumentKind, DossierAction, DossierChannel, DossierStatus
from ..deadlines import Due, NoTimeLimitError, compute_due
from ..models import Dossier, DossierCodeSequence, DossierFile
from ..permissions import permission_require
from ..selectors import work_calendar_for
from ..workflow import apply_transition
from .common import dossier_lock_for_action, event_record
from .documents import document_issue
from .notifications import notification_queue

APPLICANT_FIELDS = ("name", "identity_number", "phone", "email", "address", "organisation")

# Why a procedure with no usable limit for a channel takes no dossier through it (DESIGN.md,
# "Deadlines", rule v2: not_stated).
NO_TIME_LIMIT_MESSAGE = gettext_lazy(
    "This procedure is published for information only. No dossier is accepted until the "
    "province sets its time limit."
)
CHANNEL_CLOSED_MESSAGES = {
    DossierChannel.ONLINE: gettext_lazy("This procedure does not accept dossiers online."),
    DossierChannel.DIRECT: gettext_lazy("This procedure does not accept dossiers at the desk."),
    DossierChannel.POSTAL: gettext_lazy("This procedure does not accept dossiers by post."),
}
CASE_REQUIRED_MESSAGE = gettext_lazy("Choose the case the dossier falls under.")

# Passed as `document_case` when the case is not to change.
UNCHANGED = object()


def require_channel_open(procedure: Procedure, channel: str) -> None:
    """Refuse a dossier that `procedure` takes none of through `channel`: the channel is closed
    (code "channel_closed"), or its time limit is not set (code "no_time_limit")."""
    if channel not in procedure.submission_channels:
        raise ValidationError(CHANNEL_CLOSED_MESSAGES[channel], code="channel_closed")
    if not procedure.time_limit_for(channel).is_set:
        raise ValidationError(NO_TIME_LIMIT_MESSAGE, code="no_time_limit")


def required_documents_for(
    *, procedure: Procedure, case: DocumentCase | None
) -> QuerySet[RequiredDocument]:
    """The documents a dossier under `case` consists of (procedures.selectors says which)."""
    return procedure_documents_for_case(procedure=procedure, case_id=case.pk if case else None)


def check_case(procedure: Procedure, case: DocumentCase | None) -> None:
    """A procedure with cases needs one of its own (code "case_required" / "invalid_case"); a
    procedure without cases takes none."""
    if case is not None:
        if case.procedure_id != procedure.pk:
            raise ValidationError(
                _("This case is not one of the procedure's cases."), code="invalid_case"
            )
        return
    if procedure.cases.exists():
        raise ValidationError(CASE_REQUIRED_MESSAGE, code="case_required")


@transaction.atomic
def dossier_next_code(*, agency: Agency, day: date) -> str:
    """The next dossier code of `agency` on `day`: `<agency code>-<YYMMDD>-<NNNN>`.

    The sequence row stays locked until the surrounding transaction ends, so concurrent callers
    queue up and a rolled-back dossier gives its number back: numbers have no gaps or repeats.
    """
    for attempt in range(2):
        try:
            # A savepoint, so that losing the race to create the day's row leaves the outer
            # transaction usable for the retry.
            with transaction.atomic():
                sequence, _created = DossierCodeSequence.objects.select_for_update().get_or_create(
                    agency=agency, day=day
                )
            break
        except IntegrityError:
            if attempt:
                raise
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{agency.code}-{day:%y%m%d}-{sequence.last_number:04d}"


@transaction.atomic(durable=True)
def dossier_register_walk_in(
    *,
    procedure: Procedure,
    applicant: Mapping[str, str],
    actor: AbstractBaseUser | None,
    received_at: datetime | None = None,
    idempotency_key: str = "",
    document_case: DocumentCase | None = None,
) -> Dossier:
    """Receive a dossier brought to the desk: it starts as received, with its code and deadline.

    Refused when the procedure takes no dossier at the desk, or states no usable time limit for
    it; a procedure with cases needs `document_case`, one of its own. The same non-blank
    `idempotency_key` twice (a form posted twice) returns the first dossier.
    """
    permission_require(
        "register_walk_in", actor, Dossier(procedure=procedure, agency=procedure.agency)
    )
    require_channel_open(procedure, DossierChannel.DIRECT)
    check_case(procedure, document_case)
    idempotency_key = (idempotency_key or "").strip()
    if idempotency_key:
        existing = _walk_in_with_key(idempotency_key)
        if existing is not None:
            return existing
    received_at = received_at or timezone.now()
    dossier = Dossier(
        procedure=procedure,
        agency=procedure.agency,
        document_case=document_case,
        channel=DossierChannel.DIRECT,
        idempotency_key=idempotency_key,
        **_applicant_fields(applicant),
    )
    apply_transition(dossier, DossierStatus.RECEIVED)
    try:
        # The code and the row in one savepoint: losing the race on the key gives the number back.
        with transaction.atomic():
            dossier.code = dossier_next_code(
                agency=dossier.agency, day=timezone.localdate(received_at)
            )
            _start_clock(dossier, received_at=received_at)
            _set_search_text(dossier)
            dossier.full_clean(validate_constraints=False)
            dossier.save()
    except IntegrityError:
        existing = _walk_in_with_key(idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return existing
    event = event_record(
        dossier,
        DossierAction.RECEIVED,
        None,
        actor=actor,
        data={"received_at": received_at.isoformat()},
    )
    document_issue(dossier=dossier, kind=DocumentKind.RECEIPT, event=event)
    notification_queue(dossier=dossier, template="received", to_applicant=True, event=event)
    return dossier


def _owner(user: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return user if user is not None and user.is_authenticated else None


def _walk_in_with_key(key: str) -> Dossier | None:
    return Dossier.objects.filter(applicant_user__isnull=True, idempotency_key=key).first()


def _draft_with_key(user: AbstractBaseUser | None, key: str) -> Dossier | None:
    owner = user if user is not None and user.is_authenticated else None
    if owner is None:
        return Dossier.objects.filter(applicant_user__isnull=True, idempotency_key=key).first()
    return Dossier.objects.filter(applicant_user=owner, idempotency_key=key).first()


@transaction.atomic(durable=True)
def dossier_create_draft(
    *,
    procedure: Procedure,
    applicant: Mapping[str, str],
    user: AbstractBaseUser | None,
    idempotency_key: str = "",
    document_case: DocumentCase | None = None,
) -> Dossier:
    """Start an online dossier; it has no code until it is submitted.

    Refused when the procedure takes no dossier online, or states no usable time limit for it; a
    procedure with cases needs `document_case`, one of its own. The same user with the same
    non-blank `idempotency_key` gets the dossier created the first time.
    """
    permission_require(
        "create_draft",
        user,
        Dossier(procedure=procedure, agency=procedure.agency, applicant_user=_owner(user)),
    )
    require_channel_open(procedure, DossierChannel.ONLINE)
    check_case(procedure, document_case)
    idempotency_key = (idempotency_key or "").strip()
    if idempotency_key:
        existing = _draft_with_key(user, idempotency_key)
        if existing is not None:
            return existing
    dossier = Dossier(
        procedure=procedure,
        agency=procedure.agency,
        document_case=document_case,
        channel=DossierChannel.ONLINE,
        applicant_user=_owner(user),
        idempotency_key=idempotency_key,
        **_applicant_fields(applicant),
    )
    apply_transition(dossier, DossierStatus.DRAFT)
    _set_search_text(dossier)
    dossier.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            dossier.save()
    except IntegrityError:
        existing = _draft_with_key(user, idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return existing
    event_record(dossier, DossierAction.CREATED, None, actor=user)
    return dossier


@transaction.atomic(durable=True)
def dossier_update_draft(
    *,
    dossier: Dossier,
    applicant: Mapping[str, str],
    actor: AbstractBaseUser | None,
    expected_updated_at: datetime | None = None,
    document_case: DocumentCase | None | object = UNCHANGED,
) -> Dossier:
    """Change the applicant's details of a draft and, given `document_case`, its case.

    A new case keeps the files of the documents every case requires (and files attached to no
    document); the files of the previous case's own documents leave the dossier, one
    "file_removed" event each.
    """
    dossier = dossier_lock_for_action(
        "update_draft", dossier=dossier, actor=actor, expected_updated_at=expected_updated_at
    )
    fields = _applicant_fields(applicant)
    for name, value in fields.items():
        setattr(dossier, name, value)
    changed = list(fields)
    removed: list[DossierFile] = []
    if document_case is not UNCHANGED and getattr(document_case, "pk", None) != (
        dossier.document_case_id
    ):
        check_case(dossier.procedure, document_case)
        dossier.document_case = document_case
        changed.append("document_case")
        removed = list(
            dossier.files.filter(required_document__case__isnull=False).exclude(
                required_document__case=document_case
            )
        )
    _set_search_text(dossier)
    dossier.full_clean(validate_constraints=False)
    dossier.save(update_fields=[*changed, "search_text", "updated_at"])
    for dossier_file in removed:
        _remove_file_of_another_case(dossier, dossier_file, actor=actor)
    event_record(
        dossier,
        DossierAction.DRAFT_UPDATED,
        dossier.status,
        actor=actor,
        data={"fields": sorted(changed)},
    )
    return dossier


def _remove_file_of_another_case(
    dossier: Dossier, dossier_file: DossierFile, *, actor: AbstractBaseUser | None
) -> None:
    data = {
        "file": dossier_file.pk,
        "name": dossier_file.original_name,
        "sha256": dossier_file.sha256,
        "required_document": dossier_file.required_document_id,
        "reason": "case_changed",
    }
    name, storage = dossier_file.file.name, dossier_file.file.storage
    dossier_file.delete()
    transaction.on_commit(lambda: storage.delete(name))
    event_record(dossier, DossierAction.FILE_REMOVED, dossier.status, actor=actor, data=data)


@transaction.atomic(durable=True)
def dossier_submit(
    *,
    dossier: Dossier,
    actor: AbstractBaseUser | None,
    expected_updated_at: datetime | None = None,
) -> Dossier:
    """Send a draft to the desk; the code is given now, numbered on the day of submission.

    Refused when the procedure takes no dossier online (any more), while a procedure with cases
    has none chosen (code "case_required"), and while a mandatory document of the dossier (one
    required in every case, or in its case) has no file (code "missing_documents").
    """
    dossier = dossier_lock_for_action(
        "submit", dossier=dossier, actor=actor, expected_updated_at=expected_updated_at
    )
    now = timezone.now()
    from_status = apply_transition(dossier, DossierStatus.SUBMITTED)
    require_channel_open(dossier.procedure, dossier.channel)
    check_case(dossier.procedure, dossier.document_case)
    missing = list(
        required_documents_for(procedure=dossier.procedure, case=dossier.document_case)
        .filter(is_mandatory=True)
        .exclude(pk__in=dossier.files.exclude(required_document=None).values("required_document"))
        .order_by("position", "pk")
        .values_list("name", flat=True)
    )
    if missing:
        raise ValidationError(
            _("Attach these mandatory documents before submitting: %(names)s."),
            code="missing_documents",
            params={"names": "; ".join(missing)},
        )
    dossier.submitted_at = now
    dossier.code = dossier_next_code(agency=dossier.agency, day=timezone.localdate(now))
    _set_search_text(dossier)
    dossier.save(update_fields=["status", "submitted_at", "code", "search_text", "updated_at"])
    event_record(dossier, DossierAction.SUBMITTED, from_status, actor=actor, at=now)
    return dossier


@transaction.atomic(durable=True)
def dossier_receive(
    *,
    dossier: Dossier,
    actor: AbstractBaseUser | None,
    received_at: datetime | None = None,
    expected_updated_at: datetime | None = None,
) -> Dossier:
    """Accept a submitted dossier at the desk: the clock starts at `received_at` (now)."""
    dossier = dossier_lock_for_action(
        "receive", dossier=dossier, actor=actor, expected_updated_at=expected_updated_at
    )
    received_at = received_at or timezone.now()
    from_status = apply_transition(dossier, DossierStatus.RECEIVED)
    _start_clock(dossier, received_at=received_at)
    dossier.save(update_fields=["status", "updated_at", *CLOCK_FIELDS])
    event = event_record(
        dossier,
        DossierAction.RECEIVED,
        from_status,
        actor=actor,
        data={"received_at": received_at.isoformat()},
    )
    document_issue(dossier=dossier, kind=DocumentKind.RECEIPT, event=event)
    notification_queue(dossier=dossier, template="received", to_applicant=True, event=event)
    return dossier


@transaction.atomic(durable=True)
def dossier_refuse(
    *,
    dossier: Dossier,
    actor: AbstractBaseUser | None,
    reason: str,
    expected_updated_at: datetime | None = None,
) -> Dossier:
    """Refuse a submitted dossier at reception (Mẫu 03); `reason` goes on the event."""
    if not reason.strip():
        raise ValidationError(_("Give the reason for refusing the dossier."), code="required")
    dossier = dossier_lock_for_action(
        "refuse", dossier=dossier, actor=actor, expected_updated_at=expected_updated_at
    )
    now = timezone.now()
    from_status = apply_transition(dossier, DossierStatus.REFUSED)
    dossier.refused_at = now
    dossier.save(update_fields=["status", "refused_at", "updated_at"])
    event = event_record(
        dossier, DossierAction.REFUSED, from_status, actor=actor, at=now, note=reason
    )
    document_issue(dossier=dossier, kind=DocumentKind.REFUSAL, event=event)
    return dossier


@transaction.atomic(durable=True)
def dossier_withdraw(
    *,
    dossier: Dossier,
    actor: AbstractBaseUser | None,
    reason: str,
    expected_updated_at: datetime | None = None,
) -> Dossier:
    """Stop handling a dossier at the applicant's request; `reason` goes on the event."""
    dossier = dossier_lock_for_action(
        "withdraw", dossier=dossier, actor=actor, expected_updated_at=expected_updated_at
    )
    now = timezone.now()
    from_status = apply_transition(dossier, DossierStatus.WITHDRAWN)
    dossier.withdrawn_at = now
    dossier.save(update_fields=["status", "withdrawn_at", "updated_at"])
    event = event_record(
        dossier, DossierAction.WITHDRAWN, from_status, actor=actor, at=now, note=reason
    )
    document_issue(dossier=dossier, kind=DocumentKind.STOP_NOTICE, event=event)
    return dossier


CLOCK_FIELDS = (
    "received_at",
    "due_at",
    "appointment_at",
    "due_starts_at",
    "due_rule_version",
    "due_calendar_fingerprint",
    "due_explanation",
    "time_limit_amount",
    "time_limit_unit",
    "cutoff_15h",
    "supplement_policy",
)


def _start_clock(dossier: Dossier, *, received_at: datetime) -> None:
    """Compute the deadline from the time limit of the dossier's channel on today's calendar and
    keep it with every input it came from.

    A channel whose limit is not set has no deadline: the dossier is refused (code
    "no_time_limit") rather than received without one.
    """
    procedure = dossier.procedure
    limit = procedure.time_limit_for(dossier.channel)
    if not limit.is_set:
        raise ValidationError(NO_TIME_LIMIT_MESSAGE, code="no_time_limit")
    try:
        due = compute_due(
            received_at,
            limit.amount,
            limit.unit,
            cutoff=procedure.cutoff_15h,
            calendar=work_calendar_for(procedure.agency),
        )
    except NoTimeLimitError:  # is_set and the rule disagree: still no deadline, still no 500
        raise ValidationError(NO_TIME_LIMIT_MESSAGE, code="no_time_limit") from None
    stamp_received(dossier, procedure=procedure, due=due, limit=limit)


def stamp_received(
    dossier: Dossier, *, procedure: Procedure, due: Due, limit: TimeLimit | None = None
) -> None:
    """Set the reception moment, the deadline and every input of it (rule, calendar version,
    start, explanation, the limit of the dossier's channel, the procedure's policies) on a
    dossier in memory. `limit` is the one the deadline was computed from (by default the
    procedure's limit for the dossier's channel)."""
    if limit is None:
        limit = procedure.time_limit_for(dossier.channel)
    dossier.received_at = due.received_at
    dossier.due_at = due.due_at
    dossier.appointment_at = due.due_at
    dossier.due_starts_at = due.starts_at
    dossier.due_rule_version = due.rule_version
    dossier.due_calendar_fingerprint = due.calendar_fingerprint
    dossier.due_explanation = due.explanation
    dossier.time_limit_amount = limit.amount
    dossier.time_limit_unit = limit.unit
    dossier.cutoff_15h = procedure.cutoff_15h
    dossier.supplement_policy = procedure.supplement_policy


def _applicant_fields(applicant: Mapping[str, str]) -> dict[str, str]:
    unknown = set(applicant) - set(APPLICANT_FIELDS)
    if unknown:
        raise ValueError(f"Unknown applicant fields: {', '.join(sorted(unknown))}.")
    fields = {f"applicant_{key}": (value or "").strip() for key, value in applicant.items()}
    if fields.get("applicant_phone"):
        # Stored normalised, so tracking by phone matches however it was typed.
        fields["applicant_phone"] = normalize_phone(fields["applicant_phone"])
    return fields


def _set_search_text(dossier: Dossier) -> None:
    dossier.search_text = fold(
        " ".join(
            part
            for part in (
                dossier.code or "",
                dossier.applicant_name,
                dossier.applicant_organisation,
                dossier.applicant_identity_number,
                dossier.applicant_phone,
            )
            if part
        )
    )
