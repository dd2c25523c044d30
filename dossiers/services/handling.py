"""Writes of a dossier after the desk: forwarding, steps, completion, extension, return, rating
(supplements are in `dossiers.services.supplements`).

Same shape as `dossiers.services.dossiers`: one durable transaction, the row locked first, the
workflow re-checked on the locked row, `save(update_fields=…)`, exactly one DossierEvent.
"""

from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.roles import Role
from procedures.choices import StepRole
from procedures.selectors import agency_with_descendants

from ..choices import (
    DocumentKind,
    DossierAction,
    DossierOutcome,
    DossierStatus,
    ReturnMethod,
    SatisfactionLevel,
)
from ..deadlines import (
    DUE_SOON_WORKING_SECONDS,
    RULE_VERSION,
    classify_completion,
)
from ..models import Dossier, DossierStep, Rating
from ..selectors import work_calendar_for
from ..workflow import apply_transition
from .common import dossier_lock_for_action, event_record
from .documents import document_issue
from .notifications import notification_queue, staff_of_role

S = DossierStatus


def _iso(value: datetime | None) -> str | None:
    """Local time with its offset, as the citizen reads it."""
    return timezone.localtime(value).isoformat() if value is not None else None


# ---- processing -------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def dossier_forward(
    *,
    dossier: Dossier,
    actor: AbstractBaseUser | None,
    expected_updated_at: datetime | None = None,
) -> Dossier:
    """Hand a received dossier to the department: one DossierStep per internal step of the
    procedure version (desk steps excluded); the first starts now, due after its budget."""
    dossier = dossier_lock_for_action(
        "forward", dossier=dossier, actor=actor, expected_updated_at=expected_updated_at
    )
    now = timezone.now()
    from_status = apply_transition(dossier, S.PROCESSING)
    calendar = work_calendar_for(dossier.agency)
    procedure_steps = dossier.procedure.steps.exclude(role=StepRole.DESK_OFFICER).order_by(
        "position", "pk"
    )
    steps = [
        DossierStep(
            dossier=dossier,
            procedure_step=procedure_step,
            position=position,
            name=procedure_step.name,
            role=procedure_step.role,
            budget_hours=procedure_step.budget_hours,
        )
        for position, procedure_step in enumerate(procedure_steps, start=1)
    ]
    if steps:
        steps[0].started_at = now
        steps[0].due_at = calendar.add_working_hours(now, steps[0].budget_hours)
        DossierStep.objects.bulk_create(steps)
    dossier.current_step = steps[0] if steps else None
    dossier.save(update_fields=["status", "current_step", "updated_at"])
    event = event_record(
        dossier,
        DossierAction.FORWARDED,
        from_status,
        actor=actor,
        at=now,
        data={
            "steps": len(steps),
            "first_step": steps[0].name if steps else None,
            "step_due_at": _iso(steps[0].due_at) if steps else None,
        },
    )
    # The heads of division of the handling agency share the work out.
    notification_queue(
        dossier=dossier,
        template="forwarded",
        recipients=staff_of_role(agency=dossier.agency, role=Role.DIVISION_HEAD),
        payload=event.data,
        event=event,
    )
    return dossier


@transaction.atomic(durable=True)
def dossier_assign(
    *,
    dossier: Dossier,
    actor: AbstractBaseUser | None,
    assignee: AbstractBaseUser,
    expected_updated_at: datetime | None = None,
) -> Dossier:
    """Give the dossier, and its current step, to a staff member of the handling agency's tree."""
    dossier = dossier_lock_for_action(
        "assign", dossier=dossier, actor=actor, expected_updated_at=expected_updated_at
    )
    if not (
        assignee is not None
        and assignee.is_active
        and assignee.is_staff_member
        and assignee.agency_id in agency_with_descendants(dossier.agency)
    ):
        raise ValidationError(
            _("The dossier can only be assigned to a staff member of the handling agency."),
            code="forbidden",
        )
    dossier.assignee = assignee
    step = dossier.current_step
    # Assigning during the head of division's own step names the handler of the specialist's
    # step to come (dossier_complete_step hands it over); the head's step stays the head's.
    if step is not None and step.role != StepRole.DIVISION_HEAD:
        step.handler = assignee
        step.save(update_fields=["handler"])
    dossier.save(update_fields=["assignee", "updated_at"])
    event = event_record(
        dossier,
        DossierAction.ASSIGNED,
        dossier.status,
        actor=actor,
        data={"assignee": assignee.pk, "step": step.position if step is not None else None},
    )
    notification_queue(dossier=dossier, template="assigned", recipients=[assignee], event=event)
    return dossier


def _finish_step(step: DossierStep, *, actor, now: datetime, note: str) -> None:
    step.finished_at = now
    step.timeliness = classify_completion(now, step.due_at) if step.due_at else ""
    if step.handler_id is None and actor is not None and actor.is_authenticated:
        step.handler = actor
    step.note = note
    step.save(update_fields=["finished_at", "timeliness", "handler", "note"])


@transaction.atomic(durable=True)
def dossier_complete_step(
    *,
    dossier: Dossier,
    actor: AbstractBaseUser | None,
    note: str = "",
    expected_updated_at: datetime | None = None,
) -> Dossier:
    """Finish the current step (timeliness against its own due time) and start the next one.

    After the last step the dossier stays in processing with no current step, waiting for a
    leader's `dossier_complete`.
    """
    dossier = dossier_lock_for_action(
        "complete_step", dossier=dossier, actor=actor, expected_updated_at=expected_updated_at
    )
    step = dossier.current_step
    if step is None:
        raise ValidationError(_("Every step of this dossier is already done."), code="no_step")
    now = timezone.now()
    _finish_step(step, actor=actor, now=now, note=note.strip())
    following = dossier.steps.filter(finished_at=None).order_by("position").first()
    if following is not None:
        calendar = work_calendar_for(dossier.agency)
        following.started_at = now
        following.due_at = calendar.add_working_hours(now, following.budget_hours)
        # The specialist a head of division assigned handles the specialist's step when it
        # comes, even when the assignment was made during the head's own step.
        if (
            following.role == StepRole.SPECIALIST
            and dossier.assignee_id
            and following.handler_id is None
        ):
            following.handler_id = dossier.assignee_id
        following.save(update_fields=["started_at", "due_at", "handler"])
    dossier.current_step = following
    dossier.save(update_fields=["current_step", "updated_at"])
    event_record(
        dossier,
        DossierAction.STEP_COMPLETED,
        dossier.status,
        actor=actor,
        at=now,
        note=note.strip(),
        data={
            "step": step.position,
            "name": step.name,
            "timeliness": step.timeliness,
            "next_step": following.position if following is not None else None,
        },
    )
    return dossier


@transaction.atomic(durable=True)
def dossier_complete(
    *,
    dossier: Dossier,
    actor: AbstractBaseUser | None,
    outcome: str,
    expected_updated_at: datetime | None = None,
) -> Dossier:
    """A leader signs the result: result_ready, with its timeliness against the legal due time.

    Allowed once every step is done, or when only the leader's own current step is left (it is
    finished now). An extension never changes the timeliness: it is judged against `due_at`.
    """
    dossier = dossier_lock_for_action(
        "complete", dossier=dossier, actor=actor, expected_updated_at=expected_updated_at
    )
    now = timezone.now()
    from_status = apply_transition(dossier, S.RESULT_READY)
    if outcome not in DossierOutcome.values:
        raise ValidationError(
            _("Choose whether the dossier is approved or denied."), code="invalid"
        )
    unfinished = list(dossier.steps.filter(finished_at=None).order_by("position"))
    step = dossier.current_step
    if unfinished and not (
        len(unfinished) == 1 and step is not None and step.role == StepRole.LEADER
    ):
        raise ValidationError(
            _("The dossier still has steps to finish before it can be completed."),
            code="steps_pending",
        )
    if unfinished:
        _finish_step(step, actor=actor, now=now, note="")
    dossier.current_step = None
    dossier.outcome = outcome
    dossier.completed_at = now
    dossier.timeliness = classify_completion(now, dossier.due_at)
    dossier.timeliness_rule = RULE_VERSION
    dossier.save(
        update_fields=[
            "status",
            "current_step",
            "outcome",
            "completed_at",
            "timeliness",
            "timeliness_rule",
            "updated_at",
        ]
    )
    event = event_record(
        dossier,
        DossierAction.COMPLETED,
        from_status,
        actor=actor,
        at=now,
        data={
            "outcome": outcome,
            "timeliness": dossier.timeliness,
            "rule": RULE_VERSION,
            "due_at": _iso(dossier.due_at),
        },
    )
    notification_queue(
        dossier=dossier,
        template="completed",
        to_applicant=True,
        payload={"outcome": outcome},
        event=event,
    )
    return dossier


@transaction.atomic(durable=True)
def dossier_extend(
    *,
    dossier: Dossier,
    actor: AbstractBaseUser | None,
    new_appointment_at: datetime,
    reason: str,
    expected_updated_at: datetime | None = None,
) -> Dossier:
    """A leader moves the appointment, with an apology letter: once, while processing, and at least
    one working day before the due time. The legal due time and the timeliness never move."""
    dossier = dossier_lock_for_action(
        "extend", dossier=dossier, actor=actor, expected_updated_at=expected_updated_at
    )
    if dossier.extended_at is not None:
        raise ValidationError(
            _("The appointment of this dossier was already extended once."),
            code="already_extended",
        )
    if not reason.strip():
        raise ValidationError(_("Give the reason for the extension."), code="required")
    current = dossier.appointment_at or dossier.due_at
    if new_appointment_at is None or new_appointment_at <= current:
        raise ValidationError(
            _("The new appointment must be later than the current one."), code="invalid"
        )
    now = timezone.now()
    calendar = work_calendar_for(dossier.agency)
    if calendar.working_seconds_between(now, dossier.due_at) < DUE_SOON_WORKING_SECONDS:
        raise ValidationError(
            _("An extension must be decided at least one working day before the due date."),
            code="too_late",
        )
    previous = dossier.appointment_at
    dossier.appointment_at = new_appointment_at
    dossier.extended_at = now
    dossier.extension_reason = reason.strip()
    dossier.save(update_fields=["appointment_at", "extended_at", "extension_reason", "updated_at"])
    event = event_record(
        dossier,
        DossierAction.EXTENDED,
        dossier.status,
        actor=actor,
        at=now,
        note=reason.strip(),
        data={
            "previous_appointment_at": _iso(previous),
            "appointment_at": _iso(new_appointment_at),
        },
    )
    # The apology letter: on paper (Mẫu 04) and as a notification.
    document_issue(dossier=dossier, kind=DocumentKind.APOLOGY, event=event)
    notification_queue(
        dossier=dossier,
        template="extended",
        to_applicant=True,
        payload={**event.data, "reason": reason.strip()},
        event=event,
    )
    return dossier


# ---- return and rating ------------------------------------------------------------------------


@transaction.atomic(durable=True)
def dossier_return(
    *,
    dossier: Dossier,
    actor: AbstractBaseUser | None,
    method: str,
    expected_updated_at: datetime | None = None,
) -> Dossier:
    """Hand the result to the applicant."""
    if method not in ReturnMethod.values:
        raise ValidationError(_("Choose how the result is returned."), code="invalid")
    dossier = dossier_lock_for_action(
        "return", dossier=dossier, actor=actor, expected_updated_at=expected_updated_at
    )
    now = timezone.now()
    from_status = apply_transition(dossier, S.RETURNED)
    dossier.returned_at = now
    dossier.return_method = method
    dossier.save(update_fields=["status", "returned_at", "return_method", "updated_at"])
    event = event_record(
        dossier, DossierAction.RETURNED, from_status, actor=actor, at=now, data={"method": method}
    )
    # The control sheet (Mẫu 05) closes with the dossier: its final state is kept.
    document_issue(dossier=dossier, kind=DocumentKind.CONTROL_SHEET, event=event)
    notification_queue(
        dossier=dossier,
        template="returned",
        to_applicant=True,
        payload={"method": method},
        event=event,
    )
    return dossier


@transaction.atomic(durable=True)
def dossier_rate(
    *,
    dossier: Dossier,
    actor: AbstractBaseUser | None,
    level: str,
    comment: str = "",
    expected_updated_at: datetime | None = None,
) -> Dossier:
    """The applicant rates a returned dossier, once; the Rating is `dossier.rating`."""
    dossier = dossier_lock_for_action(
        "rate", dossier=dossier, actor=actor, expected_updated_at=expected_updated_at
    )
    if level not in SatisfactionLevel.values:
        raise ValidationError(_("Choose a satisfaction level."), code="invalid")
    if Rating.objects.filter(dossier=dossier).exists():
        raise ValidationError(_("This dossier has already been rated."), code="already_rated")
    now = timezone.now()
    Rating.objects.create(
        dossier=dossier, level=level, comment=comment.strip(), rated_at=now, rated_by=actor
    )
    dossier.save(update_fields=["updated_at"])
    event_record(
        dossier,
        DossierAction.RATED,
        dossier.status,
        actor=actor,
        at=now,
        note=comment.strip(),
        data={"level": level},
    )
    return dossier
