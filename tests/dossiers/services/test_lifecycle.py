"""A dossier's whole life through the services: online and at the desk, supplements with either
clock policy, extensions, and closed dossiers refusing every action.

The calendar is the default weekly schedule (Mon–Fri 07:00–11:30, 13:30–17:00) plus an explicit
day off on Wednesday 02/12/2026, so three working days from Monday end on Friday.
"""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from dossiers.choices import (
    CalendarDayKind,
    DossierAction,
    DossierOutcome,
    DossierStatus,
    ReturnMethod,
    SatisfactionLevel,
    Timeliness,
)
from dossiers.deadlines import RULE_VERSION
from dossiers.models import CalendarDay, Dossier, DossierEvent, DossierStep, Pause, Rating
from dossiers.permissions import ActionForbidden
from dossiers.services import (
    dossier_assign,
    dossier_attach_file,
    dossier_complete,
    dossier_complete_step,
    dossier_create_draft,
    dossier_extend,
    dossier_forward,
    dossier_rate,
    dossier_receive,
    dossier_refuse,
    dossier_register_walk_in,
    dossier_remove_file,
    dossier_request_supplement,
    dossier_resubmit,
    dossier_return,
    dossier_submit,
    dossier_update_draft,
    dossier_withdraw,
)
from dossiers.workflow import InvalidTransition
from procedures.choices import StepRole, SupplementPolicy
from tests.dossiers.factories import (
    PDF_BYTES,
    PNG_BYTES,
    applicant_data,
    build_lifecycle_office,
    upload,
)
from tests.dossiers.moments import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def pause_office(db):
    CalendarDay.objects.create(
        date=date(2026, 12, 2), kind=CalendarDayKind.DAY_OFF, reason="Nghỉ bù"
    )
    return build_lifecycle_office(supplement_policy=SupplementPolicy.PAUSE)


def actions(dossier) -> list[str]:
    return list(
        DossierEvent.objects.filter(dossier=dossier).order_by("pk").values_list("action", flat=True)
    )


def fresh(dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


def processing_dossier(office, time_machine):
    """A walk-in received Monday 30/11 08:00 (due Friday 04/12 08:00), forwarded at 09:00."""
    received_at = at(2026, 11, 30, 8, 0)
    time_machine.move_to(received_at, tick=False)
    dossier = dossier_register_walk_in(
        procedure=office.procedure,
        applicant=applicant_data(),
        actor=office.desk,
        received_at=received_at,
    )
    time_machine.move_to(at(2026, 11, 30, 9, 0), tick=False)
    return dossier_forward(dossier=dossier, actor=office.desk)


def online_submitted_dossier(office):
    """The citizen's own dossier with its application form, sent online now."""
    draft = dossier_create_draft(
        procedure=office.procedure, applicant=applicant_data(), user=office.citizen
    )
    dossier_attach_file(
        dossier=draft,
        required_document=office.application_form,
        upload=upload("to-khai.pdf", PDF_BYTES),
        actor=office.citizen,
    )
    return dossier_submit(dossier=draft, actor=office.citizen)


def online_processing_dossier(office, time_machine):
    """The citizen's own dossier, sent online and received Monday 30/11 08:00 (due Friday 04/12
    08:00), forwarded at 09:00: for the tests where the applicant acts too."""
    time_machine.move_to(at(2026, 11, 30, 7, 30), tick=False)
    dossier = online_submitted_dossier(office)
    time_machine.move_to(at(2026, 11, 30, 8, 0), tick=False)
    dossier = dossier_receive(dossier=dossier, actor=office.desk)
    time_machine.move_to(at(2026, 11, 30, 9, 0), tick=False)
    return dossier_forward(dossier=dossier, actor=office.desk)


# ---- the online journey -----------------------------------------------------------------------


def test_online_journey_from_draft_to_rating(lifecycle_office_with_day_off, time_machine):
    citizen, desk = lifecycle_office_with_day_off.citizen, lifecycle_office_with_day_off.desk

    # Monday 30/11 08:00: draft, mandatory form attached, submitted.
    time_machine.move_to(at(2026, 11, 30, 8, 0), tick=False)
    dossier = dossier_create_draft(
        procedure=lifecycle_office_with_day_off.procedure, applicant=applicant_data(), user=citizen
    )
    dossier_attach_file(
        dossier=dossier,
        required_document=lifecycle_office_with_day_off.application_form,
        upload=upload("to-khai.pdf", PDF_BYTES),
        actor=citizen,
    )
    dossier = dossier_submit(dossier=dossier, actor=citizen)
    assert fresh(dossier).status == DossierStatus.SUBMITTED
    assert fresh(dossier).due_at is None

    # 09:00: the desk asks for a supplement before reception; no clock, no pause.
    time_machine.move_to(at(2026, 11, 30, 9, 0), tick=False)
    dossier = dossier_request_supplement(
        dossier=dossier, actor=desk, items=["Bản sao hộ chiếu"], reason="Thiếu hộ chiếu"
    )
    current = fresh(dossier)
    assert current.status == DossierStatus.NEEDS_SUPPLEMENT
    assert current.supplement_items == ["Bản sao hộ chiếu"]
    assert current.supplement_reason == "Thiếu hộ chiếu"
    assert not Pause.objects.filter(dossier=dossier).exists()

    # 10:00: the citizen adds the paper and resubmits: back at the desk.
    time_machine.move_to(at(2026, 11, 30, 10, 0), tick=False)
    dossier_attach_file(
        dossier=dossier,
        required_document=lifecycle_office_with_day_off.other_paper,
        upload=upload("ho-chieu.png", PNG_BYTES),
        actor=citizen,
        purpose="supplement",
    )
    dossier = dossier_resubmit(dossier=dossier, actor=citizen)
    current = fresh(dossier)
    assert current.status == DossierStatus.SUBMITTED
    assert current.supplement_items == []
    assert current.due_at is None

    # 10:30: received. Three working days: Tuesday, (Wednesday off), Thursday, Friday 10:30.
    time_machine.move_to(at(2026, 11, 30, 10, 30), tick=False)
    dossier = dossier_receive(dossier=dossier, actor=desk, received_at=at(2026, 11, 30, 10, 30))
    current = fresh(dossier)
    assert current.status == DossierStatus.RECEIVED
    assert current.received_at == at(2026, 11, 30, 10, 30)
    assert current.due_at == at(2026, 12, 4, 10, 30)
    assert current.appointment_at == at(2026, 12, 4, 10, 30)

    # 11:00: forwarded. The desk step is not copied; the specialist's 12 h end Tuesday 17:00.
    time_machine.move_to(at(2026, 11, 30, 11, 0), tick=False)
    dossier = dossier_forward(dossier=dossier, actor=desk)
    current = fresh(dossier)
    steps = list(DossierStep.objects.filter(dossier=dossier).order_by("position"))
    assert [(s.position, s.role, s.budget_hours) for s in steps] == [
        (1, StepRole.SPECIALIST, Decimal("12")),
        (2, StepRole.DIVISION_HEAD, Decimal("4")),
        (3, StepRole.LEADER, Decimal("4")),
    ]
    assert current.status == DossierStatus.PROCESSING
    assert current.current_step == steps[0]
    assert steps[0].started_at == at(2026, 11, 30, 11, 0)
    assert steps[0].due_at == at(2026, 12, 1, 17, 0)
    assert steps[1].started_at is None and steps[1].due_at is None

    time_machine.move_to(at(2026, 11, 30, 11, 5), tick=False)
    dossier = dossier_assign(
        dossier=dossier,
        actor=lifecycle_office_with_day_off.division_head,
        assignee=lifecycle_office_with_day_off.specialist,
    )
    assert fresh(dossier).assignee == lifecycle_office_with_day_off.specialist
    assert (
        DossierStep.objects.get(pk=steps[0].pk).handler == lifecycle_office_with_day_off.specialist
    )

    # Tuesday 16:00 the specialist finishes (same day as its due time: on time); the head of
    # division's 4 h run Tuesday 16:00–17:00, then Thursday 07:00–10:00.
    time_machine.move_to(at(2026, 12, 1, 16, 0), tick=False)
    dossier = dossier_complete_step(
        dossier=dossier, actor=lifecycle_office_with_day_off.specialist, note="Đủ điều kiện"
    )
    step1, step2 = DossierStep.objects.get(pk=steps[0].pk), DossierStep.objects.get(pk=steps[1].pk)
    assert step1.finished_at == at(2026, 12, 1, 16, 0)
    assert step1.timeliness == Timeliness.ON_TIME
    assert step1.note == "Đủ điều kiện"
    assert step2.started_at == at(2026, 12, 1, 16, 0)
    assert step2.due_at == at(2026, 12, 3, 10, 0)
    assert fresh(dossier).current_step == step2

    # Thursday 09:00 the head of division approves; the leader's 4 h end Thursday 15:00.
    time_machine.move_to(at(2026, 12, 3, 9, 0), tick=False)
    dossier = dossier_complete_step(
        dossier=dossier, actor=lifecycle_office_with_day_off.division_head
    )
    step3 = DossierStep.objects.get(pk=steps[2].pk)
    assert step3.due_at == at(2026, 12, 3, 15, 0)
    assert fresh(dossier).current_step == step3

    # Thursday 14:00 the leader signs: a day before the due date, early.
    time_machine.move_to(at(2026, 12, 3, 14, 0), tick=False)
    dossier = dossier_complete(
        dossier=dossier, actor=lifecycle_office_with_day_off.leader, outcome=DossierOutcome.APPROVED
    )
    current = fresh(dossier)
    assert current.status == DossierStatus.RESULT_READY
    assert current.completed_at == at(2026, 12, 3, 14, 0)
    assert current.timeliness == Timeliness.EARLY
    assert current.timeliness_rule == RULE_VERSION
    assert current.outcome == DossierOutcome.APPROVED
    assert current.current_step is None
    step3 = DossierStep.objects.get(pk=steps[2].pk)
    assert (step3.finished_at, step3.timeliness) == (at(2026, 12, 3, 14, 0), Timeliness.ON_TIME)

    # Friday 08:00 returned at the desk, 09:00 rated by the citizen.
    time_machine.move_to(at(2026, 12, 4, 8, 0), tick=False)
    dossier = dossier_return(dossier=dossier, actor=desk, method=ReturnMethod.AT_DESK)
    current = fresh(dossier)
    assert current.status == DossierStatus.RETURNED
    assert current.returned_at == at(2026, 12, 4, 8, 0)
    assert current.return_method == ReturnMethod.AT_DESK

    time_machine.move_to(at(2026, 12, 4, 9, 0), tick=False)
    dossier_rate(
        dossier=dossier, actor=citizen, level=SatisfactionLevel.VERY_SATISFIED, comment="Nhanh"
    )
    rating = Rating.objects.get(dossier=dossier)
    assert (rating.level, rating.comment, rating.rated_by, rating.rated_at) == (
        SatisfactionLevel.VERY_SATISFIED,
        "Nhanh",
        citizen,
        at(2026, 12, 4, 9, 0),
    )

    assert actions(dossier) == [
        DossierAction.CREATED,
        DossierAction.FILE_ATTACHED,
        DossierAction.SUBMITTED,
        DossierAction.SUPPLEMENT_REQUESTED,
        DossierAction.FILE_ATTACHED,
        DossierAction.RESUBMITTED,
        DossierAction.RECEIVED,
        DossierAction.FORWARDED,
        DossierAction.ASSIGNED,
        DossierAction.STEP_COMPLETED,
        DossierAction.STEP_COMPLETED,
        DossierAction.COMPLETED,
        DossierAction.RETURNED,
        DossierAction.RATED,
    ]
    # The legal due time never moved.
    assert fresh(dossier).due_at == at(2026, 12, 4, 10, 30)


def test_walk_in_journey_completed_late(lifecycle_office_with_day_off, time_machine):
    """Received Friday 27/11 16:00 (after the cut-off): the clock starts Monday 07:00 and three
    working days end Thursday 03/12 at 17:00 (Wednesday off). Signed Friday: late."""
    time_machine.move_to(at(2026, 11, 27, 16, 0), tick=False)
    dossier = dossier_register_walk_in(
        procedure=lifecycle_office_with_day_off.procedure,
        applicant=applicant_data(),
        actor=lifecycle_office_with_day_off.desk,
        received_at=at(2026, 11, 27, 16, 0),
        idempotency_key="walk-in-1",
    )
    assert dossier.due_at == at(2026, 12, 3, 17, 0)
    assert dossier.due_starts_at == at(2026, 11, 30, 7, 0)

    time_machine.move_to(at(2026, 11, 30, 7, 30), tick=False)
    dossier = dossier_forward(dossier=dossier, actor=lifecycle_office_with_day_off.desk)
    for moment, actor in [
        (at(2026, 12, 1, 10, 0), lifecycle_office_with_day_off.specialist),
        (at(2026, 12, 3, 16, 0), lifecycle_office_with_day_off.division_head),
    ]:
        time_machine.move_to(moment, tick=False)
        dossier = dossier_complete_step(dossier=dossier, actor=actor)
    assert fresh(dossier).current_step.role == StepRole.LEADER

    time_machine.move_to(at(2026, 12, 4, 9, 0), tick=False)
    dossier = dossier_complete(
        dossier=dossier, actor=lifecycle_office_with_day_off.leader, outcome=DossierOutcome.DENIED
    )
    assert fresh(dossier).timeliness == Timeliness.LATE
    time_machine.move_to(at(2026, 12, 4, 10, 0), tick=False)
    dossier = dossier_return(
        dossier=dossier, actor=lifecycle_office_with_day_off.desk, method=ReturnMethod.POSTAL
    )

    current = fresh(dossier)
    assert (current.status, current.outcome, current.return_method) == (
        DossierStatus.RETURNED,
        DossierOutcome.DENIED,
        ReturnMethod.POSTAL,
    )
    assert actions(dossier) == [
        DossierAction.RECEIVED,
        DossierAction.FORWARDED,
        DossierAction.STEP_COMPLETED,
        DossierAction.STEP_COMPLETED,
        DossierAction.COMPLETED,
        DossierAction.RETURNED,
    ]


def test_a_procedure_without_steps_waits_for_the_leader_after_forwarding(
    lifecycle_office_with_day_off, time_machine
):
    lifecycle_office_with_day_off.procedure.steps.all().delete()
    dossier = processing_dossier(lifecycle_office_with_day_off, time_machine)

    assert fresh(dossier).current_step is None
    with pytest.raises(ValidationError) as error:
        dossier_complete_step(dossier=dossier, actor=lifecycle_office_with_day_off.specialist)
    assert error.value.code == "no_step"
    dossier_complete(
        dossier=dossier, actor=lifecycle_office_with_day_off.leader, outcome=DossierOutcome.APPROVED
    )
    assert fresh(dossier).status == DossierStatus.RESULT_READY


def test_complete_is_refused_while_steps_before_the_leader_remain(
    lifecycle_office_with_day_off, time_machine
):
    dossier = processing_dossier(lifecycle_office_with_day_off, time_machine)

    with pytest.raises(ValidationError) as error:
        dossier_complete(
            dossier=dossier,
            actor=lifecycle_office_with_day_off.leader,
            outcome=DossierOutcome.APPROVED,
        )
    assert error.value.code == "steps_pending"
    assert fresh(dossier).status == DossierStatus.PROCESSING


@pytest.mark.parametrize("role", ["specialist", "division_head", "desk"])
def test_only_a_leader_completes(lifecycle_office_with_day_off, time_machine, role):
    dossier = processing_dossier(lifecycle_office_with_day_off, time_machine)
    dossier_complete_step(dossier=dossier, actor=lifecycle_office_with_day_off.specialist)
    dossier_complete_step(dossier=dossier, actor=lifecycle_office_with_day_off.division_head)
    events_before = actions(dossier)

    with pytest.raises(ActionForbidden) as error:
        dossier_complete(
            dossier=dossier,
            actor=getattr(lifecycle_office_with_day_off, role),
            outcome=DossierOutcome.APPROVED,
        )
    assert error.value.code == "forbidden"
    assert fresh(dossier).status == DossierStatus.PROCESSING
    assert actions(dossier) == events_before


def test_assignee_must_be_staff_of_the_agency_tree(lifecycle_office_with_day_off, time_machine):
    dossier = processing_dossier(lifecycle_office_with_day_off, time_machine)

    for outsider in (
        lifecycle_office_with_day_off.other_specialist,
        lifecycle_office_with_day_off.citizen,
        lifecycle_office_with_day_off.desk,
    ):
        with pytest.raises(ValidationError) as error:
            dossier_assign(
                dossier=dossier,
                actor=lifecycle_office_with_day_off.division_head,
                assignee=outsider,
            )
        assert error.value.code == "forbidden"
    assert fresh(dossier).assignee is None
    assert actions(dossier) == [DossierAction.RECEIVED, DossierAction.FORWARDED]


# ---- supplements during processing: restart or pause -------------------------------------------


def supplement_round(office, time_machine):
    """Received Mon 30/11 08:00 (due Fri 04/12 08:00); supplement asked Tue 01/12 09:00, sent back
    Thu 03/12 09:00 (Wednesday is off)."""
    dossier = online_processing_dossier(office, time_machine)
    assert fresh(dossier).due_at == at(2026, 12, 4, 8, 0)
    time_machine.move_to(at(2026, 12, 1, 9, 0), tick=False)
    dossier = dossier_request_supplement(
        dossier=dossier, actor=office.specialist, items=["Giấy phép"], reason="Thiếu giấy phép"
    )
    pause = Pause.objects.get(dossier=dossier)
    assert (pause.started_at, pause.ended_at) == (at(2026, 12, 1, 9, 0), None)
    assert fresh(dossier).status == DossierStatus.NEEDS_SUPPLEMENT
    time_machine.move_to(at(2026, 12, 3, 9, 0), tick=False)
    dossier = dossier_resubmit(dossier=dossier, actor=office.citizen)
    assert Pause.objects.get(dossier=dossier).ended_at == at(2026, 12, 3, 9, 0)
    return fresh(dossier)


def test_restart_policy_counts_the_full_limit_again_from_the_resubmission(
    lifecycle_office_with_day_off, time_machine
):
    """Three working days from Thursday 09:00: Friday, Monday, Tuesday 08/12 09:00."""
    dossier = supplement_round(lifecycle_office_with_day_off, time_machine)

    assert dossier.status == DossierStatus.PROCESSING
    assert dossier.due_at == at(2026, 12, 8, 9, 0)
    assert dossier.appointment_at == at(2026, 12, 8, 9, 0)
    event = DossierEvent.objects.filter(dossier=dossier).order_by("pk").last()
    assert event.action == DossierAction.RESUBMITTED
    assert event.from_status == DossierStatus.NEEDS_SUPPLEMENT
    assert event.to_status == DossierStatus.PROCESSING
    assert event.data["policy"] == SupplementPolicy.RESTART
    assert event.data["previous_due_at"] == "2026-12-04T08:00:00+07:00"
    assert event.data["due_at"] == "2026-12-08T09:00:00+07:00"


def test_pause_policy_resumes_the_working_time_left(pause_office, time_machine):
    """Left at the pause (Tue 09:00 → Fri 08:00): 6 h on Tuesday + 8 h Thursday + 1 h Friday =
    15 h. From Thursday 09:00: 6 h Thursday, 8 h Friday, 1 h Monday 07/12 → 08:00."""
    dossier = supplement_round(pause_office, time_machine)

    assert dossier.due_at == at(2026, 12, 7, 8, 0)
    assert dossier.appointment_at == at(2026, 12, 7, 8, 0)
    event = DossierEvent.objects.filter(dossier=dossier).order_by("pk").last()
    assert event.data["policy"] == SupplementPolicy.PAUSE
    assert event.data["paused_at"] == "2026-12-01T09:00:00+07:00"
    assert event.data["resumed_at"] == "2026-12-03T09:00:00+07:00"
    assert event.data["due_at"] == "2026-12-07T08:00:00+07:00"


# ---- extension --------------------------------------------------------------------------------


def test_leader_extends_once_without_moving_the_due_time(
    lifecycle_office_with_day_off, time_machine
):
    dossier = processing_dossier(lifecycle_office_with_day_off, time_machine)
    time_machine.move_to(at(2026, 12, 1, 9, 0), tick=False)

    dossier_extend(
        dossier=dossier,
        actor=lifecycle_office_with_day_off.leader,
        new_appointment_at=at(2026, 12, 11, 17, 0),
        reason="Cần xin ý kiến Bộ",
    )

    current = fresh(dossier)
    assert current.appointment_at == at(2026, 12, 11, 17, 0)
    assert current.due_at == at(2026, 12, 4, 8, 0)
    assert current.extended_at == at(2026, 12, 1, 9, 0)
    assert current.extension_reason == "Cần xin ý kiến Bộ"
    assert actions(dossier)[-1] == DossierAction.EXTENDED

    with pytest.raises(ValidationError) as error:
        dossier_extend(
            dossier=dossier,
            actor=lifecycle_office_with_day_off.leader,
            new_appointment_at=at(2026, 12, 18, 17, 0),
            reason="Lần hai",
        )
    assert error.value.code == "already_extended"
    assert fresh(dossier).appointment_at == at(2026, 12, 11, 17, 0)


@pytest.mark.parametrize("role", ["specialist", "division_head", "desk", "citizen"])
def test_non_leaders_cannot_extend(lifecycle_office_with_day_off, time_machine, role):
    dossier = processing_dossier(lifecycle_office_with_day_off, time_machine)

    with pytest.raises(ActionForbidden) as error:
        dossier_extend(
            dossier=dossier,
            actor=getattr(lifecycle_office_with_day_off, role),
            new_appointment_at=at(2026, 12, 11, 17, 0),
            reason="Xin gia hạn",
        )
    assert error.value.code == "forbidden"
    current = fresh(dossier)
    assert (current.appointment_at, current.extended_at) == (at(2026, 12, 4, 8, 0), None)


def test_extension_less_than_one_working_day_before_due_is_refused(
    lifecycle_office_with_day_off, time_machine
):
    """Thursday 09:00 to Friday 08:00 is 7 working hours: too late."""
    dossier = processing_dossier(lifecycle_office_with_day_off, time_machine)
    time_machine.move_to(at(2026, 12, 3, 9, 0), tick=False)

    with pytest.raises(ValidationError) as error:
        dossier_extend(
            dossier=dossier,
            actor=lifecycle_office_with_day_off.leader,
            new_appointment_at=at(2026, 12, 11, 17, 0),
            reason="Xin gia hạn",
        )
    assert error.value.code == "too_late"
    assert fresh(dossier).extended_at is None


def test_extension_exactly_one_working_day_before_due_is_allowed(
    lifecycle_office_with_day_off, time_machine
):
    """Thursday 08:00 to Friday 08:00 is 8 working hours (Thursday 7 h + Friday 1 h)."""
    dossier = processing_dossier(lifecycle_office_with_day_off, time_machine)
    time_machine.move_to(at(2026, 12, 3, 8, 0), tick=False)

    dossier_extend(
        dossier=dossier,
        actor=lifecycle_office_with_day_off.leader,
        new_appointment_at=at(2026, 12, 11, 17, 0),
        reason="Xin gia hạn",
    )
    assert fresh(dossier).extended_at == at(2026, 12, 3, 8, 0)


def test_an_extended_dossier_completed_after_due_is_still_late(
    lifecycle_office_with_day_off, time_machine
):
    dossier = processing_dossier(lifecycle_office_with_day_off, time_machine)
    time_machine.move_to(at(2026, 12, 1, 9, 0), tick=False)
    dossier_extend(
        dossier=dossier,
        actor=lifecycle_office_with_day_off.leader,
        new_appointment_at=at(2026, 12, 11, 17, 0),
        reason="Xin gia hạn",
    )
    dossier_complete_step(dossier=dossier, actor=lifecycle_office_with_day_off.specialist)
    dossier_complete_step(dossier=dossier, actor=lifecycle_office_with_day_off.division_head)

    # Friday 04/12 10:00: after the due time 08:00, before the new appointment.
    time_machine.move_to(at(2026, 12, 4, 10, 0), tick=False)
    dossier_complete(
        dossier=dossier, actor=lifecycle_office_with_day_off.leader, outcome=DossierOutcome.APPROVED
    )

    current = fresh(dossier)
    assert current.timeliness == Timeliness.LATE
    assert current.due_at == at(2026, 12, 4, 8, 0)
    assert current.appointment_at == at(2026, 12, 11, 17, 0)


# ---- closed dossiers --------------------------------------------------------------------------


def _every_action(office):
    return {
        "update_draft": lambda d: dossier_update_draft(
            dossier=d, applicant=applicant_data(), actor=office.citizen
        ),
        "attach_file": lambda d: dossier_attach_file(
            dossier=d,
            required_document=office.application_form,
            upload=upload("a.pdf", PDF_BYTES),
            actor=office.citizen,
        ),
        "remove_file": lambda d: dossier_remove_file(dossier=d, file_id=1, actor=office.citizen),
        "submit": lambda d: dossier_submit(dossier=d, actor=office.citizen),
        "receive": lambda d: dossier_receive(dossier=d, actor=office.desk),
        "request_supplement": lambda d: dossier_request_supplement(
            dossier=d, actor=office.desk, items=["Tờ khai"], reason="Thiếu"
        ),
        "resubmit": lambda d: dossier_resubmit(dossier=d, actor=office.citizen),
        "refuse": lambda d: dossier_refuse(dossier=d, actor=office.desk, reason="Sai"),
        "forward": lambda d: dossier_forward(dossier=d, actor=office.desk),
        "assign": lambda d: dossier_assign(
            dossier=d, actor=office.division_head, assignee=office.specialist
        ),
        "complete_step": lambda d: dossier_complete_step(dossier=d, actor=office.specialist),
        "complete": lambda d: dossier_complete(
            dossier=d, actor=office.leader, outcome=DossierOutcome.APPROVED
        ),
        "extend": lambda d: dossier_extend(
            dossier=d,
            actor=office.leader,
            new_appointment_at=at(2026, 12, 31, 17, 0),
            reason="Gia hạn",
        ),
        "return": lambda d: dossier_return(dossier=d, actor=office.desk, method="at_desk"),
        "withdraw": lambda d: dossier_withdraw(dossier=d, actor=office.citizen, reason="Thôi"),
        "rate": lambda d: dossier_rate(dossier=d, actor=office.citizen, level="satisfied"),
    }


ACTIONS = [
    "update_draft",
    "attach_file",
    "remove_file",
    "submit",
    "receive",
    "request_supplement",
    "resubmit",
    "refuse",
    "forward",
    "assign",
    "complete_step",
    "complete",
    "extend",
    "return",
    "withdraw",
    "rate",
]


@pytest.mark.parametrize("closing", ["withdrawn", "refused"])
@pytest.mark.parametrize("action", ACTIONS)
def test_a_withdrawn_or_refused_dossier_accepts_no_action(
    lifecycle_office_with_day_off, time_machine, closing, action
):
    office = lifecycle_office_with_day_off
    time_machine.move_to(at(2026, 11, 30, 8, 0), tick=False)
    # Online, so that each party of the table (the applicant included) asks as itself and only
    # the status refuses.
    dossier = online_submitted_dossier(office)
    if closing == "withdrawn":
        dossier_receive(dossier=dossier, actor=office.desk)
        dossier_forward(dossier=dossier, actor=office.desk)
        dossier_withdraw(dossier=dossier, actor=office.citizen, reason="Không còn nhu cầu")
    else:
        dossier_refuse(dossier=dossier, actor=office.desk, reason="Không thuộc thẩm quyền")
    before = fresh(dossier)
    events_before = actions(dossier)

    with pytest.raises(InvalidTransition):
        _every_action(lifecycle_office_with_day_off)[action](dossier)

    after = fresh(dossier)
    assert after.status == before.status == closing
    assert after.updated_at == before.updated_at
    assert actions(dossier) == events_before
    assert not Rating.objects.filter(dossier=dossier).exists()


# ---- stale forms, idempotency, drafts ---------------------------------------------------------


def test_a_stale_form_is_refused_and_changes_nothing(lifecycle_office_with_day_off, time_machine):
    dossier = processing_dossier(lifecycle_office_with_day_off, time_machine)
    loaded_at = fresh(dossier).updated_at
    time_machine.move_to(at(2026, 11, 30, 10, 0), tick=False)
    dossier_assign(
        dossier=dossier,
        actor=lifecycle_office_with_day_off.division_head,
        assignee=lifecycle_office_with_day_off.specialist,
    )
    events_before = actions(dossier)

    time_machine.move_to(at(2026, 11, 30, 11, 0), tick=False)
    with pytest.raises(ValidationError) as error:
        dossier_complete_step(
            dossier=dossier,
            actor=lifecycle_office_with_day_off.specialist,
            expected_updated_at=loaded_at,
        )
    assert error.value.code == "stale"
    assert fresh(dossier).current_step.position == 1
    assert actions(dossier) == events_before

    # With the current value it goes through.
    dossier_complete_step(
        dossier=dossier,
        actor=lifecycle_office_with_day_off.specialist,
        expected_updated_at=fresh(dossier).updated_at,
    )
    assert fresh(dossier).current_step.position == 2


def test_the_same_idempotency_key_twice_gives_one_draft(lifecycle_office_with_day_off):
    first = dossier_create_draft(
        procedure=lifecycle_office_with_day_off.procedure,
        applicant=applicant_data(),
        user=lifecycle_office_with_day_off.citizen,
        idempotency_key="k-1",
    )
    second = dossier_create_draft(
        procedure=lifecycle_office_with_day_off.procedure,
        applicant=applicant_data(),
        user=lifecycle_office_with_day_off.citizen,
        idempotency_key="k-1",
    )
    other_user = dossier_create_draft(
        procedure=lifecycle_office_with_day_off.procedure,
        applicant=applicant_data(),
        user=lifecycle_office_with_day_off.other_citizen,
        idempotency_key="k-1",
    )

    assert second.pk == first.pk
    assert other_user.pk != first.pk
    assert Dossier.objects.filter(applicant_user=lifecycle_office_with_day_off.citizen).count() == 1
    assert actions(first) == [DossierAction.CREATED]


def test_the_same_idempotency_key_twice_gives_one_walk_in(lifecycle_office_with_day_off):
    kwargs = {
        "procedure": lifecycle_office_with_day_off.procedure,
        "applicant": applicant_data(),
        "actor": lifecycle_office_with_day_off.desk,
        "received_at": at(2026, 11, 30, 8, 0),
        "idempotency_key": "walk-in-7",
    }
    first = dossier_register_walk_in(**kwargs)
    second = dossier_register_walk_in(**kwargs)

    assert second.pk == first.pk
    assert Dossier.objects.count() == 1
    # The second call took no number.
    assert dossier_register_walk_in(**{**kwargs, "idempotency_key": ""}).code.endswith("-0002")


def test_update_draft_changes_the_applicant_and_normalises_the_phone(lifecycle_office_with_day_off):
    draft = dossier_create_draft(
        procedure=lifecycle_office_with_day_off.procedure,
        applicant=applicant_data(),
        user=lifecycle_office_with_day_off.citizen,
    )

    dossier_update_draft(
        dossier=draft,
        applicant={"name": "Trần Thị Bình", "phone": "+84 912 000 111"},
        actor=lifecycle_office_with_day_off.citizen,
    )

    current = fresh(draft)
    assert current.applicant_name == "Trần Thị Bình"
    assert current.applicant_phone == "0912000111"
    assert "tran thi binh" in current.search_text
    assert actions(draft) == [DossierAction.CREATED, DossierAction.DRAFT_UPDATED]


def test_submit_refuses_a_draft_without_its_mandatory_documents(lifecycle_office_with_day_off):
    draft = dossier_create_draft(
        procedure=lifecycle_office_with_day_off.procedure,
        applicant=applicant_data(),
        user=lifecycle_office_with_day_off.citizen,
    )
    dossier_attach_file(
        dossier=draft,
        required_document=lifecycle_office_with_day_off.other_paper,
        upload=upload("khac.pdf", PDF_BYTES),
        actor=lifecycle_office_with_day_off.citizen,
    )

    with pytest.raises(ValidationError) as error:
        dossier_submit(dossier=draft, actor=lifecycle_office_with_day_off.citizen)
    assert error.value.code == "missing_documents"
    assert "Tờ khai" in error.value.messages[0]
    current = fresh(draft)
    assert (current.status, current.code) == (DossierStatus.DRAFT, None)


def test_rating_only_by_the_applicant_and_only_once(lifecycle_office_with_day_off, time_machine):
    time_machine.move_to(at(2026, 11, 30, 8, 0), tick=False)
    draft = dossier_create_draft(
        procedure=lifecycle_office_with_day_off.procedure,
        applicant=applicant_data(),
        user=lifecycle_office_with_day_off.citizen,
    )
    dossier_attach_file(
        dossier=draft,
        required_document=lifecycle_office_with_day_off.application_form,
        upload=upload("to-khai.pdf", PDF_BYTES),
        actor=lifecycle_office_with_day_off.citizen,
    )
    dossier = dossier_submit(dossier=draft, actor=lifecycle_office_with_day_off.citizen)
    dossier_receive(dossier=dossier, actor=lifecycle_office_with_day_off.desk)
    lifecycle_office_with_day_off.procedure.steps.all().delete()
    dossier_forward(dossier=dossier, actor=lifecycle_office_with_day_off.desk)
    dossier_complete(
        dossier=dossier, actor=lifecycle_office_with_day_off.leader, outcome=DossierOutcome.APPROVED
    )
    dossier_return(
        dossier=dossier, actor=lifecycle_office_with_day_off.desk, method=ReturnMethod.ONLINE
    )

    for stranger in (
        lifecycle_office_with_day_off.other_citizen,
        lifecycle_office_with_day_off.desk,
        lifecycle_office_with_day_off.leader,
    ):
        with pytest.raises(ActionForbidden) as error:
            dossier_rate(dossier=dossier, actor=stranger, level=SatisfactionLevel.SATISFIED)
        assert error.value.code == "forbidden"
    dossier_rate(
        dossier=dossier,
        actor=lifecycle_office_with_day_off.citizen,
        level=SatisfactionLevel.NOT_SATISFIED,
    )
    with pytest.raises(ValidationError) as error:
        dossier_rate(
            dossier=dossier,
            actor=lifecycle_office_with_day_off.citizen,
            level=SatisfactionLevel.SATISFIED,
        )
    assert error.value.code == "already_rated"
    assert Rating.objects.get(dossier=dossier).level == SatisfactionLevel.NOT_SATISFIED
    assert actions(dossier).count(DossierAction.RATED) == 1


# ---- concurrency ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_officers_receiving_at_once_exactly_one_wins():
    """On PostgreSQL both calls race in their own threads and connections; SQLite serialises
    writers, so there they run one after the other. Either way: one success, one
    InvalidTransition, one "received" event."""
    office = build_lifecycle_office()
    draft = dossier_create_draft(
        procedure=office.procedure, applicant=applicant_data(), user=office.citizen
    )
    dossier_attach_file(
        dossier=draft,
        required_document=office.application_form,
        upload=upload("to-khai.pdf", PDF_BYTES),
        actor=office.citizen,
    )
    dossier = dossier_submit(dossier=draft, actor=office.citizen)
    results: list[str] = []
    errors: list[BaseException] = []

    def receive():
        try:
            dossier_receive(dossier=dossier, actor=office.desk)
            results.append("ok")
        except InvalidTransition:
            results.append("invalid")
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    if connection.vendor == "postgresql":
        barrier = threading.Barrier(2)

        def run():
            try:
                barrier.wait(timeout=30)
                receive()
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    else:
        receive()
        receive()

    assert errors == []
    assert sorted(results) == ["invalid", "ok"]
    assert fresh(dossier).status == DossierStatus.RECEIVED
    assert DossierEvent.objects.filter(dossier=dossier, action=DossierAction.RECEIVED).count() == 1


# ---- moves the workflow allows only from one status for each service ----------------------------


def test_forward_and_submit_refuse_a_dossier_awaiting_a_supplement(
    lifecycle_office_with_day_off, time_machine
):
    dossier = online_processing_dossier(lifecycle_office_with_day_off, time_machine)
    dossier_request_supplement(
        dossier=dossier, actor=lifecycle_office_with_day_off.specialist, items=["A"], reason="B"
    )
    events_before = actions(dossier)

    with pytest.raises(InvalidTransition):
        dossier_forward(dossier=dossier, actor=lifecycle_office_with_day_off.desk)
    with pytest.raises(InvalidTransition):
        dossier_submit(dossier=dossier, actor=lifecycle_office_with_day_off.citizen)

    current = fresh(dossier)
    assert current.status == DossierStatus.NEEDS_SUPPLEMENT
    assert not DossierStep.objects.filter(dossier=dossier, position__gt=3).exists()
    assert actions(dossier) == events_before


def test_resubmit_refuses_a_dossier_not_awaiting_a_supplement(
    lifecycle_office_with_day_off, time_machine
):
    dossier = online_processing_dossier(lifecycle_office_with_day_off, time_machine)

    with pytest.raises(InvalidTransition):
        dossier_resubmit(dossier=dossier, actor=lifecycle_office_with_day_off.citizen)
    assert fresh(dossier).status == DossierStatus.PROCESSING
    assert not Pause.objects.filter(dossier=dossier).exists()


def test_during_a_supplement_only_supplement_files_can_be_removed(
    lifecycle_office_with_day_off, time_machine
):
    dossier = online_processing_dossier(lifecycle_office_with_day_off, time_machine)
    handed_in = dossier_attach_file(
        dossier=dossier,
        required_document=lifecycle_office_with_day_off.application_form,
        upload=upload("scan.pdf", PDF_BYTES),
        actor=lifecycle_office_with_day_off.desk,
    )
    dossier_request_supplement(
        dossier=dossier, actor=lifecycle_office_with_day_off.specialist, items=["A"], reason="B"
    )
    added = dossier_attach_file(
        dossier=dossier,
        required_document=lifecycle_office_with_day_off.other_paper,
        upload=upload("bo-sung.png", PNG_BYTES),
        actor=lifecycle_office_with_day_off.citizen,
        purpose="supplement",
    )

    with pytest.raises(ValidationError) as error:
        dossier_remove_file(
            dossier=dossier, file_id=handed_in.pk, actor=lifecycle_office_with_day_off.citizen
        )
    assert error.value.code == "not_removable"
    dossier_remove_file(
        dossier=dossier, file_id=added.pk, actor=lifecycle_office_with_day_off.citizen
    )
    assert list(dossier.files.values_list("pk", flat=True)) == [handed_in.pk]


def test_the_stale_check_takes_the_iso_text_of_a_hidden_field(
    lifecycle_office_with_day_off, time_machine
):
    dossier = processing_dossier(lifecycle_office_with_day_off, time_machine)
    loaded = fresh(dossier).updated_at.isoformat()
    time_machine.move_to(at(2026, 11, 30, 10, 0), tick=False)
    dossier_assign(
        dossier=dossier,
        actor=lifecycle_office_with_day_off.division_head,
        assignee=lifecycle_office_with_day_off.specialist,
        expected_updated_at=loaded,
    )

    with pytest.raises(ValidationError) as error:
        dossier_assign(
            dossier=dossier,
            actor=lifecycle_office_with_day_off.division_head,
            assignee=lifecycle_office_with_day_off.division_head,
            expected_updated_at=loaded,
        )
    assert error.value.code == "stale"
    assert fresh(dossier).assignee == lifecycle_office_with_day_off.specialist
    # Text that is no moment (30 February) is refused as stale, not a crash.
    with pytest.raises(ValidationError) as error:
        dossier_assign(
            dossier=dossier,
            actor=lifecycle_office_with_day_off.division_head,
            assignee=lifecycle_office_with_day_off.division_head,
            expected_updated_at="2026-02-30T10:00:00+07:00",
        )
    assert error.value.code == "stale"


def test_assigning_during_the_heads_step_hands_the_specialist_step_to_the_assignee(
    lifecycle_office_with_day_off, time_machine
):
    """The head assigns first, then finishes the dividing-up step: the specialist gets the next."""
    from tests.factories import ProcedureFactory, ProcedureStepFactory

    procedure = ProcedureFactory(
        code="9.assign", agency=lifecycle_office_with_day_off.department, accepts_direct=True
    )
    for position, (role, hours) in enumerate(
        [(StepRole.DIVISION_HEAD, "4"), (StepRole.SPECIALIST, "68"), (StepRole.LEADER, "8")], 1
    ):
        ProcedureStepFactory(procedure=procedure, position=position, role=role, budget_hours=hours)
    time_machine.move_to(at(2026, 11, 30, 8, 0), tick=False)
    dossier = dossier_register_walk_in(
        procedure=procedure, applicant=applicant_data(), actor=lifecycle_office_with_day_off.desk
    )
    dossier = dossier_forward(dossier=dossier, actor=lifecycle_office_with_day_off.desk)

    dossier = dossier_assign(
        dossier=dossier,
        actor=lifecycle_office_with_day_off.division_head,
        assignee=lifecycle_office_with_day_off.specialist,
    )
    dossier = dossier_complete_step(
        dossier=dossier, actor=lifecycle_office_with_day_off.division_head, note="Phân công"
    )

    steps = list(DossierStep.objects.filter(dossier=dossier).order_by("position"))
    assert steps[0].handler == lifecycle_office_with_day_off.division_head
    assert steps[1].handler == lifecycle_office_with_day_off.specialist
    assert fresh(dossier).current_step == steps[1]
