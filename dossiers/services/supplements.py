"""Supplement requests and resubmissions (Mẫu 02): before reception the dossier goes back to the
applicant with no clock running; during processing the clock pauses (a Pause) and, on
resubmission, restarts or resumes per the procedure's policy.

Same shape as `dossiers.services.dossiers`: one durable transaction, the row locked first, the
workflow re-checked on the locked row, `save(update_fields=…)`, exactly one DossierEvent.
"""

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from procedures.choices import SupplementPolicy

from ..choices import DocumentKind, DossierAction, DossierStatus
from ..deadlines import restart_due, resume_due
from ..models import Dossier, Pause
from ..permissions import supplement_action_for
from ..selectors import work_calendar_for
from ..workflow import apply_transition
from .common import dossier_lock_for_action, event_record
from .documents import document_issue
from .handling import _iso
from .notifications import notification_queue

S = DossierStatus


@transaction.atomic(durable=True)
def dossier_request_supplement(
    *,
    dossier: Dossier,
    actor: AbstractBaseUser | None,
    items: Sequence[str],
    reason: str,
    expected_updated_at: datetime | None = None,
) -> Dossier:
    """Ask the applicant for missing documents (Mẫu 02).

    Before reception the dossier goes back to the applicant with no clock running; during
    processing the clock stops: a Pause opens, closed by `dossier_resubmit`.
    """
    items = [item.strip() for item in items if item and item.strip()]
    if not items:
        raise ValidationError(
            _("List the documents the applicant must supplement."), code="required"
        )
    if not reason.strip():
        raise ValidationError(_("Give the reason for the supplement request."), code="required")
    dossier = dossier_lock_for_action(
        supplement_action_for,
        dossier=dossier,
        actor=actor,
        expected_updated_at=expected_updated_at,
    )
    now = timezone.now()
    from_status = apply_transition(dossier, S.NEEDS_SUPPLEMENT)
    during_processing = from_status == S.PROCESSING
    if during_processing:
        Pause.objects.create(
            dossier=dossier,
            started_at=now,
            reason=reason.strip(),
            legal_basis=dossier.procedure.supplement_policy_basis,
        )
    dossier.supplement_items = items
    dossier.supplement_reason = reason.strip()
    dossier.save(update_fields=["status", "supplement_items", "supplement_reason", "updated_at"])
    event = event_record(
        dossier,
        DossierAction.SUPPLEMENT_REQUESTED,
        from_status,
        actor=actor,
        at=now,
        note=reason.strip(),
        data={"items": items, "during_processing": during_processing},
    )
    document_issue(dossier=dossier, kind=DocumentKind.SUPPLEMENT, event=event)
    notification_queue(
        dossier=dossier,
        template="supplement_requested",
        to_applicant=True,
        payload={"items": items, "reason": reason.strip()},
        event=event,
    )
    return dossier


@transaction.atomic(durable=True)
def dossier_resubmit(
    *,
    dossier: Dossier,
    actor: AbstractBaseUser | None,
    expected_updated_at: datetime | None = None,
) -> Dossier:
    """The applicant sends the supplement.

    Not yet received: back to the desk (submitted). During processing: back to processing, the
    pause closes and the due time follows the supplement policy stored at reception: `restart`
    counts the full limit again from now, `pause` walks the working time left at the pause.
    """
    dossier = dossier_lock_for_action(
        "resubmit", dossier=dossier, actor=actor, expected_updated_at=expected_updated_at
    )
    now = timezone.now()
    during_processing = dossier.received_at is not None
    target = S.PROCESSING if during_processing else S.SUBMITTED
    from_status = apply_transition(dossier, target)
    data: dict = {"items": dossier.supplement_items}
    update_fields = ["status", "supplement_items", "supplement_reason", "updated_at"]
    if during_processing:
        data.update(_resume_clock(dossier, now=now))
        update_fields += [
            "due_at",
            "appointment_at",
            "due_starts_at",
            "due_explanation",
            "due_calendar_fingerprint",
        ]
    dossier.supplement_items = []
    dossier.supplement_reason = ""
    dossier.save(update_fields=update_fields)
    event_record(dossier, DossierAction.RESUBMITTED, from_status, actor=actor, at=now, data=data)
    return dossier


def _resume_clock(dossier: Dossier, *, now: datetime) -> dict:
    """Close the open pause and move the due time (and the current step's) per the policy."""
    calendar = work_calendar_for(dossier.agency)
    pause = Pause.objects.select_for_update().filter(dossier=dossier, ended_at=None).first()
    paused_at = pause.started_at if pause is not None else now
    if pause is not None:
        pause.ended_at = now
        pause.save(update_fields=["ended_at"])
    policy = dossier.supplement_policy or dossier.procedure.supplement_policy
    previous_due = dossier.due_at
    if policy == SupplementPolicy.PAUSE:
        # The unit of the limit stored at reception (the dossier's channel): an hours limit
        # resumes in clock time, every other one in working time.
        dossier.due_at = resume_due(
            previous_due, paused_at, now, calendar=calendar, unit=dossier.time_limit_unit or None
        )
        # Stored text, read by everyone: in the portal's language, not the acting officer's.
        with translation.override(settings.LANGUAGE_CODE):
            note = _(
                "%(explanation)s Paused for a supplement from %(paused)s to %(resumed)s; the "
                "working time left was counted again from the resumption."
            )
        dossier.due_explanation = note % {
            "explanation": dossier.due_explanation,
            "paused": timezone.localtime(paused_at).strftime("%H:%M %d/%m/%Y"),
            "resumed": timezone.localtime(now).strftime("%H:%M %d/%m/%Y"),
        }
    else:
        due = restart_due(
            now,
            dossier.time_limit_amount,
            dossier.time_limit_unit,
            cutoff=bool(dossier.cutoff_15h),
            calendar=calendar,
        )
        dossier.due_at = due.due_at
        dossier.due_starts_at = due.starts_at
        dossier.due_explanation = due.explanation
    dossier.due_calendar_fingerprint = calendar.fingerprint
    if dossier.extended_at is None or dossier.appointment_at is None:
        dossier.appointment_at = dossier.due_at
    else:
        dossier.appointment_at = max(dossier.appointment_at, dossier.due_at)

    step = dossier.current_step
    if step is not None and step.due_at is not None:
        if policy == SupplementPolicy.PAUSE:
            step.due_at = resume_due(step.due_at, paused_at, now, calendar=calendar)
        else:
            step.due_at = calendar.add_working_hours(now, step.budget_hours)
        step.save(update_fields=["due_at"])
    return {
        "policy": policy,
        "paused_at": _iso(paused_at),
        "resumed_at": _iso(now),
        "previous_due_at": _iso(previous_due),
        "due_at": _iso(dossier.due_at),
    }
