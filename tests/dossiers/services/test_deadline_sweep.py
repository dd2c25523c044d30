"""The deadline sweep (dossiers.services.deadline_sweep, dossiers.tasks.flag_deadlines_task) and the
leaders' digest (send_leader_digest_task)."""

import itertools
import threading
from datetime import date

import pytest
from django.db import connection

from dossiers.choices import CalendarDayKind, DossierAction, DossierStatus
from dossiers.models import (
    CalendarDay,
    Dossier,
    DossierEvent,
    DossierStep,
    Notification,
    NotificationChannel,
    NotificationTemplate,
)
from dossiers.services.deadline_sweep import dossier_flag_deadlines, due_soon_threshold
from dossiers.tasks import flag_deadlines_task, send_leader_digest_task
from tests.dossiers.factories import DossierFactory, build_lifecycle_office
from tests.dossiers.moments import at

pytestmark = pytest.mark.django_db

S = DossierStatus
_codes = itertools.count(1)


def open_dossier(office, *, due_at, status=S.PROCESSING, assignee=None, agency=None, **extra):
    """A dossier as the services leave it once received: code, reception, due time."""
    return DossierFactory(
        procedure=office.procedure,
        agency=agency or office.department,
        status=status,
        code=f"000.00.16.H62-261126-{next(_codes):04d}",
        received_at=at(2026, 11, 20, 8, 0),
        due_at=due_at,
        appointment_at=due_at,
        assignee=assignee,
        **extra,
    )


def flags(dossier) -> tuple[bool, bool]:
    dossier = Dossier.objects.get(pk=dossier.pk)
    return dossier.due_soon_flagged_at is not None, dossier.overdue_flagged_at is not None


def actions(dossier) -> list[str]:
    return list(
        DossierEvent.objects.filter(dossier=dossier).order_by("pk").values_list("action", flat=True)
    )


# 2026-11-26 is a Thursday; sessions Mon–Fri 07:00–11:30 and 13:30–17:00 (8 working hours).
THU_10 = at(2026, 11, 26, 10, 0)
FRI_15 = at(2026, 11, 27, 15, 0)
HOLIDAY_FRI = (date(2026, 11, 27), CalendarDayKind.DAY_OFF)
MAKEUP_SAT = (date(2026, 11, 28), CalendarDayKind.WORKING_DAY)


@pytest.mark.parametrize(
    ("now", "due_at", "status", "calendar_day", "expected"),
    [
        # 30 working minutes left.
        (THU_10, at(2026, 11, 26, 10, 30), S.PROCESSING, None, "due_soon"),
        # Thursday 10:00 → Friday 09:59 is 7 h 59 min of working time.
        (THU_10, at(2026, 11, 27, 9, 59), S.PROCESSING, None, "due_soon"),
        # Exactly one working day left is not "less than one working day".
        (THU_10, at(2026, 11, 27, 10, 0), S.PROCESSING, None, "within"),
        (THU_10, at(2026, 11, 30, 9, 0), S.PROCESSING, None, "within"),
        # Due at this very moment: not yet late (overdue only when now > due_at).
        (THU_10, THU_10, S.PROCESSING, None, "due_soon"),
        (THU_10, at(2026, 11, 26, 9, 59), S.PROCESSING, None, "overdue"),
        (THU_10, at(2026, 11, 2, 17, 0), S.RECEIVED, None, "overdue"),
        (THU_10, at(2026, 11, 26, 10, 30), S.RECEIVED, None, "due_soon"),
        # A supplement after reception pauses the clock; other statuses have no running clock.
        (THU_10, at(2026, 11, 26, 9, 0), S.NEEDS_SUPPLEMENT, None, "within"),
        (THU_10, at(2026, 11, 26, 10, 30), S.NEEDS_SUPPLEMENT, None, "within"),
        (THU_10, at(2026, 11, 26, 9, 0), S.RESULT_READY, None, "within"),
        (THU_10, at(2026, 11, 26, 9, 0), S.RETURNED, None, "within"),
        (THU_10, at(2026, 11, 26, 9, 0), S.WITHDRAWN, None, "within"),
        # Thursday 10:00 → Monday 09:00: 15 working hours; with Friday a holiday only 7.
        (THU_10, at(2026, 11, 30, 9, 0), S.PROCESSING, HOLIDAY_FRI, "due_soon"),
        # Friday 15:00 → Monday 09:00: 4 working hours, due soon over the weekend…
        (FRI_15, at(2026, 11, 30, 9, 0), S.PROCESSING, None, "due_soon"),
        # …but a make-up working Saturday leaves 12 working hours: not due soon.
        (FRI_15, at(2026, 11, 30, 9, 0), S.PROCESSING, MAKEUP_SAT, "within"),
        # Outside the sessions: Saturday night → Monday 16:59 is 7 h 59 min; Monday's close is
        # exactly one working day away.
        (at(2026, 11, 28, 22, 0), at(2026, 11, 30, 16, 59), S.PROCESSING, None, "due_soon"),
        (at(2026, 11, 28, 22, 0), at(2026, 11, 30, 17, 0), S.PROCESSING, None, "within"),
    ],
)
def test_sweep_flags_a_dossier_by_working_time_left(
    lifecycle_office, now, due_at, status, calendar_day, expected
):
    """Due soon iff less than 8 working hours are left on the agency's calendar (holidays and
    make-up days included); overdue iff now > due_at; only received/processing are swept."""
    if calendar_day is not None:
        CalendarDay.objects.create(date=calendar_day[0], kind=calendar_day[1], reason="Lịch")
    dossier = open_dossier(lifecycle_office, due_at=due_at, status=status)

    result = dossier_flag_deadlines(now=now)

    expected_flags = {
        "due_soon": (True, False),
        "overdue": (False, True),
        "within": (False, False),
    }[expected]
    expected_actions = {
        "due_soon": [DossierAction.DEADLINE_DUE_SOON],
        "overdue": [DossierAction.DEADLINE_MISSED],
        "within": [],
    }[expected]
    assert flags(dossier) == expected_flags
    assert actions(dossier) == expected_actions
    assert result.dossiers_due_soon == (expected == "due_soon")
    assert result.dossiers_overdue == (expected == "overdue")


def test_threshold_is_the_earliest_moment_eight_working_hours_later(lifecycle_office):
    """Thursday 10:00 → Friday 10:00; Friday 15:00 → Monday 15:00 (2 h on Friday, 4 h 30 in the
    morning, 1 h 30 after lunch); Saturday night counts from Monday 07:00 and ends at its close."""
    assert due_soon_threshold(agency=lifecycle_office.department, now=THU_10) == at(
        2026, 11, 27, 10, 0
    )
    assert due_soon_threshold(agency=lifecycle_office.department, now=FRI_15) == at(
        2026, 11, 30, 15, 0
    )
    saturday_night = at(2026, 11, 28, 22, 0)
    assert due_soon_threshold(agency=lifecycle_office.department, now=saturday_night) == at(
        2026, 11, 30, 17, 0
    )


def test_event_records_the_status_and_due_time_without_changing_the_status(lifecycle_office):
    """One event, from/to the current status, no actor, at the sweep's moment."""
    dossier = open_dossier(lifecycle_office, due_at=at(2026, 11, 26, 9, 0))

    dossier_flag_deadlines(now=THU_10)

    event = DossierEvent.objects.get(dossier=dossier)
    assert (event.action, event.from_status, event.to_status) == (
        DossierAction.DEADLINE_MISSED,
        S.PROCESSING,
        S.PROCESSING,
    )
    assert event.actor is None
    assert event.at == THU_10
    assert event.data == {"due_at": "2026-11-26T09:00:00+07:00"}
    assert Dossier.objects.get(pk=dossier.pk).status == S.PROCESSING
    assert Dossier.objects.get(pk=dossier.pk).overdue_flagged_at == THU_10


def test_a_second_sweep_flags_nothing_again(lifecycle_office):
    """Running the sweep twice writes one event per dossier and keeps the first flag time."""
    soon = open_dossier(lifecycle_office, due_at=at(2026, 11, 26, 14, 0))
    late = open_dossier(lifecycle_office, due_at=at(2026, 11, 25, 14, 0))

    first = dossier_flag_deadlines(now=THU_10)
    second = dossier_flag_deadlines(now=at(2026, 11, 26, 10, 5))

    assert (first.dossiers_due_soon, first.dossiers_overdue) == (1, 1)
    assert second.as_dict() == {
        "dossiers_due_soon": 0,
        "dossiers_overdue": 0,
        "steps_due_soon": 0,
        "steps_overdue": 0,
        "notifications": 0,
    }
    assert actions(soon) == [DossierAction.DEADLINE_DUE_SOON]
    assert actions(late) == [DossierAction.DEADLINE_MISSED]
    assert Dossier.objects.get(pk=soon.pk).due_soon_flagged_at == THU_10


def test_a_dossier_is_flagged_due_soon_then_overdue_once_each(lifecycle_office):
    """Crossing the due time after the reminder adds the overdue flag and its event."""
    dossier = open_dossier(lifecycle_office, due_at=at(2026, 11, 26, 14, 0))

    dossier_flag_deadlines(now=THU_10)
    dossier_flag_deadlines(now=at(2026, 11, 26, 14, 5))
    dossier_flag_deadlines(now=at(2026, 11, 26, 14, 10))

    assert flags(dossier) == (True, True)
    assert actions(dossier) == [DossierAction.DEADLINE_DUE_SOON, DossierAction.DEADLINE_MISSED]


def test_sweep_works_in_batches_and_flags_every_row_once(lifecycle_office):
    """With batches of 2, seven overdue dossiers are all flagged, one event each."""
    dossiers = [open_dossier(lifecycle_office, due_at=at(2026, 11, 25, 9, n)) for n in range(7)]

    result = dossier_flag_deadlines(now=THU_10, batch_size=2)

    assert result.dossiers_overdue == 7
    for dossier in dossiers:
        assert actions(dossier) == [DossierAction.DEADLINE_MISSED]


def test_each_agency_uses_its_own_calendar(lifecycle_office):
    """An agency-only holiday on Friday makes its dossier due soon; the other agency's dossier
    with the same due time keeps 15 working hours."""
    CalendarDay.objects.create(
        date=date(2026, 11, 27),
        kind=CalendarDayKind.DAY_OFF,
        agency=lifecycle_office.department,
        reason="Nghỉ riêng",
    )
    mine = open_dossier(lifecycle_office, due_at=at(2026, 11, 30, 9, 0))
    other = open_dossier(
        lifecycle_office, due_at=at(2026, 11, 30, 9, 0), agency=lifecycle_office.other_department
    )

    dossier_flag_deadlines(now=THU_10)

    assert flags(mine) == (True, False)
    assert flags(other) == (False, False)


def _step(dossier, *, position, due_at, started=True, finished=False, handler=None):
    return DossierStep.objects.create(
        dossier=dossier,
        position=position,
        name=f"Bước {position}",
        role="specialist",
        budget_hours=4,
        handler=handler,
        started_at=at(2026, 11, 25, 8, 0) if started else None,
        due_at=due_at,
        finished_at=at(2026, 11, 25, 9, 0) if finished else None,
    )


def test_open_steps_are_flagged_once_finished_and_unstarted_steps_are_not(lifecycle_office):
    """A started, unfinished step of a processing dossier gets its own flag and step event."""
    dossier = open_dossier(lifecycle_office, due_at=at(2026, 12, 10, 17, 0))
    done = _step(dossier, position=1, due_at=at(2026, 11, 25, 8, 30), finished=True)
    late = _step(
        dossier, position=2, due_at=at(2026, 11, 26, 9, 0), handler=lifecycle_office.specialist
    )
    waiting = _step(dossier, position=3, due_at=None, started=False)
    paused_dossier = open_dossier(
        lifecycle_office, due_at=at(2026, 12, 10, 17, 0), status=S.NEEDS_SUPPLEMENT
    )
    paused_step = _step(paused_dossier, position=1, due_at=at(2026, 11, 26, 9, 0))
    soon_dossier = open_dossier(lifecycle_office, due_at=at(2026, 12, 10, 17, 0))
    soon = _step(soon_dossier, position=1, due_at=at(2026, 11, 26, 16, 0))

    first = dossier_flag_deadlines(now=THU_10)
    second = dossier_flag_deadlines(now=THU_10)

    assert (first.steps_due_soon, first.steps_overdue) == (1, 1)
    assert (second.steps_due_soon, second.steps_overdue) == (0, 0)
    late.refresh_from_db()
    soon.refresh_from_db()
    assert (late.due_soon_flagged_at, late.overdue_flagged_at) == (None, THU_10)
    assert (soon.due_soon_flagged_at, soon.overdue_flagged_at) == (THU_10, None)
    for step in (done, waiting, paused_step):
        step.refresh_from_db()
        assert (step.due_soon_flagged_at, step.overdue_flagged_at) == (None, None)
    assert actions(dossier) == [DossierAction.STEP_DEADLINE_MISSED]
    assert DossierEvent.objects.get(dossier=dossier).data == {
        "due_at": "2026-11-26T09:00:00+07:00",
        "step": 2,
        "name": "Bước 2",
    }
    assert actions(soon_dossier) == [DossierAction.STEP_DUE_SOON]
    assert actions(paused_dossier) == []


def test_task_is_callable_directly_with_and_without_a_moment(lifecycle_office):
    """The beat task returns the counts; `now` is an ISO moment for replays."""
    dossier = open_dossier(lifecycle_office, due_at=at(2020, 1, 2, 9, 0))

    assert flag_deadlines_task(now="2026-11-26T10:00:00+07:00") == {
        "dossiers_due_soon": 0,
        "dossiers_overdue": 1,
        "steps_due_soon": 0,
        "steps_overdue": 0,
        # Division head and leader, each in the portal and by e-mail.
        "notifications": 4,
    }
    assert flag_deadlines_task()["dossiers_overdue"] == 0
    assert actions(dossier) == [DossierAction.DEADLINE_MISSED]


def test_task_refuses_a_naive_moment():
    """A moment without its offset is ambiguous: refused rather than guessed."""
    with pytest.raises(ValueError, match="offset"):
        flag_deadlines_task(now="2026-11-26T10:00:00")


def test_due_soon_notifies_the_assignee_and_the_head_of_their_division(lifecycle_office):
    """In the portal and by e-mail, linked to the sweep's event; the leader is not told yet."""
    dossier = open_dossier(
        lifecycle_office, due_at=at(2026, 11, 26, 14, 0), assignee=lifecycle_office.specialist
    )

    result = dossier_flag_deadlines(now=THU_10)

    event = DossierEvent.objects.get(dossier=dossier)
    rows = Notification.objects.filter(dossier=dossier)
    assert result.notifications == 4
    assert {(n.template, n.channel, n.recipient_user_id, n.event_id) for n in rows} == {
        (NotificationTemplate.DUE_SOON, channel, user.pk, event.pk)
        for channel in (NotificationChannel.IN_APP, NotificationChannel.EMAIL)
        for user in (lifecycle_office.specialist, lifecycle_office.division_head)
    }
    assert rows.first().payload["due_at"] == "2026-11-26T14:00:00+07:00"


def test_overdue_also_notifies_the_agency_leader_and_a_second_sweep_queues_nothing(
    lifecycle_office,
):
    """Assignee, division head and the department's leader; nobody from the other department."""
    dossier = open_dossier(
        lifecycle_office, due_at=at(2026, 11, 26, 9, 0), assignee=lifecycle_office.specialist
    )

    dossier_flag_deadlines(now=THU_10)
    again = dossier_flag_deadlines(now=THU_10)

    users = set(
        Notification.objects.filter(
            dossier=dossier, template=NotificationTemplate.OVERDUE
        ).values_list("recipient_user_id", flat=True)
    )
    assert users == {
        lifecycle_office.specialist.pk,
        lifecycle_office.division_head.pk,
        lifecycle_office.leader.pk,
    }
    assert Notification.objects.filter(dossier=dossier).count() == 6
    assert again.notifications == 0


def test_a_late_step_notifies_its_handler_and_division_head(lifecycle_office):
    """The step's handler and the head of the handler's division, with the step in the payload."""
    dossier = open_dossier(lifecycle_office, due_at=at(2026, 12, 10, 17, 0))
    _step(dossier, position=1, due_at=at(2026, 11, 26, 9, 0), handler=lifecycle_office.specialist)

    dossier_flag_deadlines(now=THU_10)

    rows = Notification.objects.filter(dossier=dossier, channel=NotificationChannel.IN_APP)
    assert {n.recipient_user_id for n in rows} == {
        lifecycle_office.specialist.pk,
        lifecycle_office.division_head.pk,
        lifecycle_office.leader.pk,
    }
    assert {(n.payload["target"], n.payload["step"]) for n in rows} == {("step", 1)}


def test_event_and_payload_write_the_local_due_time_as_python_does(lifecycle_office):
    """The due time in the event's data and the notification's payload is the local ISO text of
    `datetime.isoformat()`: microseconds when there are some, the +07:00 offset (written in SQL
    on PostgreSQL)."""
    due = at(2026, 11, 26, 9, 0, 5, 123456)
    dossier = open_dossier(lifecycle_office, due_at=due, assignee=lifecycle_office.specialist)
    step = _step(dossier, position=1, due_at=at(2026, 11, 26, 8, 30, 0, 500))

    dossier_flag_deadlines(now=THU_10)

    assert DossierEvent.objects.get(dossier=dossier, action=DossierAction.DEADLINE_MISSED).data == {
        "due_at": "2026-11-26T09:00:05.123456+07:00"
    }
    assert DossierEvent.objects.get(
        dossier=dossier, action=DossierAction.STEP_DEADLINE_MISSED
    ).data == {"due_at": "2026-11-26T08:30:00.000500+07:00", "step": 1, "name": step.name}
    payloads = {
        n.payload["target"]: n.payload["due_at"]
        for n in Notification.objects.filter(dossier=dossier)
    }
    assert payloads == {
        "dossier": "2026-11-26T09:00:05.123456+07:00",
        "step": "2026-11-26T08:30:00.000500+07:00",
    }


def test_without_heads_or_leaders_only_assignees_and_handlers_are_told(lifecycle_office):
    """With no division head and no leader anywhere, every row is still flagged with its event;
    the assignee (or the dossier's assignee for a step without handler) is told, rows with nobody
    assigned queue nothing."""
    from django.contrib.auth.models import Group

    from portal.roles import Role

    for role in (Role.DIVISION_HEAD, Role.LEADER):
        Group.objects.get(name=role.value).user_set.clear()
    told = open_dossier(
        lifecycle_office, due_at=at(2026, 11, 26, 9, 0), assignee=lifecycle_office.specialist
    )
    alone = open_dossier(lifecycle_office, due_at=at(2026, 11, 26, 9, 0))
    soon_alone = open_dossier(lifecycle_office, due_at=at(2026, 11, 26, 14, 0))
    step_told = _step(told, position=1, due_at=at(2026, 11, 26, 14, 0))
    _step(alone, position=1, due_at=at(2026, 11, 26, 14, 0))

    result = dossier_flag_deadlines(now=THU_10)

    assert (result.dossiers_overdue, result.dossiers_due_soon, result.steps_due_soon) == (2, 1, 2)
    for dossier in (told, alone, soon_alone):
        assert DossierEvent.objects.filter(dossier=dossier).exists()
    in_app = Notification.objects.filter(channel=NotificationChannel.IN_APP)
    assert sorted(
        (n.dossier_id, n.template, n.payload["target"], n.recipient_user_id) for n in in_app
    ) == sorted(
        [
            (told.pk, NotificationTemplate.OVERDUE, "dossier", lifecycle_office.specialist.pk),
            (told.pk, NotificationTemplate.DUE_SOON, "step", lifecycle_office.specialist.pk),
        ]
    )
    assert result.notifications == Notification.objects.count() == 4
    assert DossierStep.objects.get(pk=step_told.pk).due_soon_flagged_at == THU_10


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers; no row locks to race."
)
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_flag_each_dossier_once():
    """Two threads sweep at the same moment with small batches: every dossier gets exactly one
    event and one flag time, and the two counts add up to the number of dossiers."""
    office = build_lifecycle_office()
    dossiers = [open_dossier(office, due_at=at(2026, 11, 25, 9, n % 60)) for n in range(60)]
    dossiers += [open_dossier(office, due_at=at(2026, 11, 26, 14, n % 60)) for n in range(40)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait(timeout=30)
            results.append(dossier_flag_deadlines(now=THU_10, batch_size=7))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(r.dossiers_overdue for r in results) == 60
    assert sum(r.dossiers_due_soon for r in results) == 40
    counts = DossierEvent.objects.filter(dossier__in=dossiers).values_list("dossier_id", flat=True)
    assert sorted(counts) == sorted(d.pk for d in dossiers)
    assert (
        Dossier.objects.filter(
            pk__in=[d.pk for d in dossiers[:60]], overdue_flagged_at=THU_10
        ).count()
        == 60
    )


# ---- the leaders' digest ----------------------------------------------------------------------


def test_digest_mails_each_leader_the_overdue_and_due_today_dossiers_by_division(
    lifecycle_office, mailoutbox, settings
):
    """In Vietnamese, grouped by the division of the current step's handler, with links; due
    tomorrow and other departments' dossiers are left out; leaders with nothing get no mail."""
    settings.SITE_URL = "https://motcua.example.vn"
    late = open_dossier(
        lifecycle_office, due_at=at(2026, 11, 25, 16, 0), assignee=lifecycle_office.specialist
    )
    step = _step(
        late, position=1, due_at=at(2026, 11, 25, 16, 0), handler=lifecycle_office.specialist
    )
    Dossier.objects.filter(pk=late.pk).update(current_step=step)
    today = open_dossier(lifecycle_office, due_at=at(2026, 11, 26, 16, 30), status=S.RECEIVED)
    tomorrow = open_dossier(lifecycle_office, due_at=at(2026, 11, 27, 9, 0))
    elsewhere = open_dossier(
        lifecycle_office, due_at=at(2026, 11, 20, 9, 0), agency=lifecycle_office.other_department
    )
    from tests.factories import UserFactory

    idle_leader = UserFactory(role="leader")
    idle_leader.agency = lifecycle_office.other_centre
    idle_leader.save(update_fields=["agency"])

    sent = send_leader_digest_task(now="2026-11-26T07:00:00+07:00")

    assert sent == 1
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [lifecycle_office.leader.email]
    assert mail.subject == (
        "Hồ sơ quá hạn và đến hạn ngày 26/11/2026: 1 quá hạn, 1 đến hạn hôm nay"
    )
    body = mail.body
    assert "== Phòng Lãnh sự ==" in body
    assert "== Sở Ngoại vụ ==" in body
    division_part, department_part = (
        body.split("== Phòng Lãnh sự ==")[1].split("== Sở Ngoại vụ ==")
        if body.index("Phòng Lãnh sự") < body.index("== Sở Ngoại vụ")
        else body.split("== Sở Ngoại vụ ==")[1].split("== Phòng Lãnh sự ==")[::-1]
    )
    assert late.code in division_part and "Quá hạn (1)" in division_part
    assert today.code in department_part and "Đến hạn hôm nay (1)" in department_part
    assert f"https://motcua.example.vn/department/dossiers/{late.pk}/" in body
    assert "Hạn giải quyết: 16:00 25/11/2026" in body
    assert tomorrow.code not in body
    assert elsewhere.code not in body
