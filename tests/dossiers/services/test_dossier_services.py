"""Dossier services: registration, the code, the deadline snapshot, transitions and events."""

import re
import threading
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from dossiers.choices import CalendarDayKind, DossierAction, DossierChannel, DossierStatus
from dossiers.deadlines import RULE_VERSION, VIETNAM_TZ, compute_due
from dossiers.models import (
    AppendOnlyError,
    Dossier,
    DossierCodeSequence,
    DossierEvent,
    Pause,
    WorkingSession,
)
from dossiers.selectors import work_calendar_for
from dossiers.services import (
    calendar_day_create,
    dossier_create_draft,
    dossier_next_code,
    dossier_receive,
    dossier_refuse,
    dossier_register_walk_in,
    dossier_submit,
    dossier_withdraw,
)
from dossiers.workflow import InvalidTransition
from portal.roles import Role
from procedures.choices import SupplementPolicy
from procedures.services import procedure_create_version, procedure_publish
from tests.dossiers.factories import applicant_data
from tests.dossiers.moments import at
from tests.factories import AgencyFactory, ProcedureFactory, UserFactory

pytestmark = pytest.mark.django_db

CODE = re.compile(r"^000\.00\.16\.H62-\d{6}-\d{4}$")
# Friday 20/11/2026 16:00: after the 15:00 cut-off, so the clock starts on Monday 23/11 at 07:00.
FRIDAY_AFTER_CUTOFF = datetime(2026, 11, 20, 16, 0, tzinfo=VIETNAM_TZ)


@pytest.fixture
def officer(agency):
    """A desk officer of the procedure's agency."""
    return UserFactory(role=Role.DESK_OFFICER, agency=agency)


@pytest.fixture
def citizen(db):
    return UserFactory(role=Role.CITIZEN)


def walk_in(procedure, officer, received_at=FRIDAY_AFTER_CUTOFF, **applicant):
    return dossier_register_walk_in(
        procedure=procedure,
        applicant=applicant_data(**applicant),
        actor=officer,
        received_at=received_at,
    )


def submitted(procedure, citizen):
    draft = dossier_create_draft(procedure=procedure, applicant=applicant_data(), user=citizen)
    return dossier_submit(dossier=draft, actor=citizen)


def events_of(dossier):
    return list(
        DossierEvent.objects.filter(dossier=dossier)
        .order_by("pk")
        .values_list("action", "from_status", "to_status")
    )


# ---- walk-in registration ---------------------------------------------------------------------


def test_walk_in_is_received_at_once_with_code_and_deadline(procedure, officer):
    dossier = walk_in(procedure, officer, name="Trần Thị Bình", organisation="Công ty ABC")

    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RECEIVED
    assert dossier.channel == DossierChannel.DIRECT
    assert CODE.match(dossier.code)
    assert dossier.code == "000.00.16.H62-261120-0001"
    assert dossier.procedure == procedure
    assert dossier.agency == procedure.agency
    assert dossier.applicant_name == "Trần Thị Bình"
    assert dossier.applicant_organisation == "Công ty ABC"
    assert dossier.applicant_identity_number == "008090001234"
    assert dossier.received_at == FRIDAY_AFTER_CUTOFF
    assert dossier.submitted_at is None


def test_walk_in_due_date_equals_compute_due_on_the_agency_calendar(procedure, officer):
    dossier = walk_in(procedure, officer)

    expected = compute_due(
        FRIDAY_AFTER_CUTOFF,
        procedure.time_limit_amount,
        procedure.time_limit_unit,
        cutoff=procedure.cutoff_15h,
        calendar=work_calendar_for(procedure.agency),
    )
    dossier.refresh_from_db()
    assert dossier.due_at == expected.due_at
    assert dossier.appointment_at == expected.due_at
    assert dossier.due_starts_at == expected.starts_at
    assert dossier.due_rule_version == RULE_VERSION == expected.rule_version
    assert dossier.due_calendar_fingerprint == expected.calendar_fingerprint
    assert dossier.due_explanation == expected.explanation
    assert dossier.time_limit_amount == Decimal("10")
    assert dossier.time_limit_unit == "working_days"
    assert dossier.cutoff_15h is True
    assert dossier.supplement_policy == SupplementPolicy.RESTART


def test_walk_in_after_cutoff_on_friday_is_due_ten_working_days_from_monday(procedure, officer):
    """Start Monday 23/11 07:00; ten working days end on Friday 04/12 at the close, 17:00."""
    dossier = walk_in(procedure, officer)

    assert dossier.due_starts_at == at(2026, 11, 23, 7, 0)
    assert dossier.due_at == at(2026, 12, 4, 17, 0)


def test_walk_in_writes_one_received_event(procedure, officer):
    dossier = walk_in(procedure, officer)

    event = DossierEvent.objects.get(dossier=dossier)
    assert (event.action, event.from_status, event.to_status) == (
        DossierAction.RECEIVED,
        "",
        DossierStatus.RECEIVED,
    )
    assert event.actor == officer
    assert event.data == {"received_at": "2026-11-20T16:00:00+07:00"}


def test_walk_in_refused_when_the_procedure_takes_no_desk_dossiers(agency, field, officer):
    procedure = ProcedureFactory(agency=agency, field=field, accepts_direct=False)

    with pytest.raises(ValidationError):
        walk_in(procedure, officer)
    assert not Dossier.objects.exists()
    assert not DossierCodeSequence.objects.exists()


def test_walk_in_rejects_unknown_applicant_fields(procedure, officer):
    with pytest.raises(ValueError, match="nickname"):
        walk_in(procedure, officer, nickname="An")
    assert not Dossier.objects.exists()


def test_adding_a_holiday_changes_new_due_dates_but_not_received_dossiers(procedure, officer):
    """A day off added at run time counts for the next dossier; one already received keeps its
    stored deadline and calendar fingerprint."""
    before = walk_in(procedure, officer)
    assert before.due_at == at(2026, 12, 4, 17, 0)
    old_fingerprint = before.due_calendar_fingerprint

    calendar_day_create(
        day=date(2026, 11, 24), kind=CalendarDayKind.DAY_OFF, reason="Ngày Văn hóa Việt Nam"
    )
    after = walk_in(procedure, officer)

    assert after.due_at == at(2026, 12, 7, 17, 0)
    assert after.due_calendar_fingerprint != old_fingerprint
    assert after.due_calendar_fingerprint == work_calendar_for(procedure.agency).fingerprint
    before.refresh_from_db()
    assert before.due_at == at(2026, 12, 4, 17, 0)
    assert before.appointment_at == at(2026, 12, 4, 17, 0)
    assert before.due_calendar_fingerprint == old_fingerprint


def test_a_new_version_of_the_procedure_leaves_the_snapshot_alone(procedure, officer):
    dossier = walk_in(procedure, officer)

    # The version in use is frozen; a change is made on the next version.
    new = procedure_create_version(procedure=procedure, valid_from=date(2027, 1, 1))
    new.time_limit_amount = Decimal("3")
    new.cutoff_15h = False
    new.save()
    procedure_publish(procedure=new)
    dossier.refresh_from_db()

    assert dossier.time_limit_amount == Decimal("10")
    assert dossier.cutoff_15h is True
    assert dossier.due_at == at(2026, 12, 4, 17, 0)


# ---- dossier codes ----------------------------------------------------------------------------


def test_codes_are_consecutive_within_a_day(agency):
    day = date(2026, 11, 20)
    codes = [dossier_next_code(agency=agency, day=day) for _ in range(3)]

    assert codes == [
        "000.00.16.H62-261120-0001",
        "000.00.16.H62-261120-0002",
        "000.00.16.H62-261120-0003",
    ]


def test_codes_restart_at_one_the_next_day(agency):
    dossier_next_code(agency=agency, day=date(2026, 11, 20))
    dossier_next_code(agency=agency, day=date(2026, 11, 20))

    assert dossier_next_code(agency=agency, day=date(2026, 11, 21)) == "000.00.16.H62-261121-0001"


def test_codes_are_numbered_per_agency(agency):
    other = AgencyFactory(code="000.00.17.H62")
    day = date(2026, 11, 20)
    dossier_next_code(agency=agency, day=day)

    assert dossier_next_code(agency=other, day=day) == "000.00.17.H62-261120-0001"
    assert dossier_next_code(agency=agency, day=day) == "000.00.16.H62-261120-0002"


def test_codes_grow_past_four_digits(agency):
    DossierCodeSequence.objects.create(agency=agency, day=date(2026, 11, 20), last_number=9999)

    assert dossier_next_code(agency=agency, day=date(2026, 11, 20)) == "000.00.16.H62-261120-10000"


def test_a_rolled_back_registration_gives_its_number_back(procedure, officer):
    with pytest.raises(RuntimeError), transaction.atomic():
        walk_in(procedure, officer)
        raise RuntimeError("the desk computer crashed")

    assert walk_in(procedure, officer).code == "000.00.16.H62-261120-0001"


def test_walk_in_code_uses_the_local_day_of_reception(procedure, officer):
    """00:30 on 21/11 in Việt Nam is still 20/11 in UTC; the code takes the local day."""
    dossier = walk_in(procedure, officer, received_at=at(2026, 11, 21, 0, 30))

    assert dossier.code == "000.00.16.H62-261121-0001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_walk_ins_get_distinct_consecutive_codes():
    """Fifty desks registering at once get fifty different, gap-free numbers.

    On PostgreSQL each registration runs in its own thread and connection; SQLite serialises
    writers anyway, so there they run one after the other.
    """
    agency = AgencyFactory(code="000.00.16.H62")
    # Sessions of its own, so the test does not depend on the default schedule's rows.
    for weekday in range(5):
        for start, end in ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0))):
            WorkingSession.objects.create(agency=agency, weekday=weekday, start=start, end=end)
    procedure = ProcedureFactory(agency=agency)
    officer = UserFactory(role=Role.DESK_OFFICER, agency=agency)
    count = 50
    codes: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def register():
        try:
            barrier.wait(timeout=30)
            codes.append(walk_in(procedure, officer).code)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=register) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    else:
        codes = [walk_in(procedure, officer).code for _ in range(count)]

    assert errors == []
    assert sorted(codes) == [f"000.00.16.H62-261120-{n:04d}" for n in range(1, count + 1)]
    assert DossierCodeSequence.objects.get(agency=agency).last_number == count


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_online_submissions_get_fifty_consecutive_codes():
    """Fifty citizens pressing "submit" at the same moment: every dossier gets its own number
    of the day, with no gap and no duplicate (each thread has its own PostgreSQL connection)."""
    agency = AgencyFactory(code="000.00.16.H62")
    procedure = ProcedureFactory(agency=agency)
    citizen = UserFactory()
    drafts = [
        dossier_create_draft(procedure=procedure, applicant=applicant_data(), user=citizen)
        for _ in range(50)
    ]
    codes: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(drafts))

    def submit(draft):
        try:
            barrier.wait(timeout=30)
            codes.append(dossier_submit(dossier=draft, actor=citizen).code)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=submit, args=(draft,)) for draft in drafts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    else:
        codes = [dossier_submit(dossier=draft, actor=citizen).code for draft in drafts]

    assert errors == []
    day = Dossier.objects.get(code=codes[0]).submitted_at.astimezone(VIETNAM_TZ).strftime("%y%m%d")
    assert sorted(codes) == [f"000.00.16.H62-{day}-{n:04d}" for n in range(1, 51)]
    assert Dossier.objects.filter(status=DossierStatus.SUBMITTED).count() == 50


# ---- online drafts and transitions ------------------------------------------------------------


def test_draft_has_no_code_and_one_created_event(procedure, citizen):
    draft = dossier_create_draft(procedure=procedure, applicant=applicant_data(), user=citizen)

    draft.refresh_from_db()
    assert draft.status == DossierStatus.DRAFT
    assert draft.code is None
    assert draft.channel == DossierChannel.ONLINE
    assert draft.applicant_user == citizen
    assert events_of(draft) == [(DossierAction.CREATED, "", DossierStatus.DRAFT)]


def test_submit_gives_the_code_of_the_submission_day(procedure, citizen, time_machine):
    time_machine.move_to(at(2026, 11, 25, 9, 0), tick=False)
    draft = dossier_create_draft(procedure=procedure, applicant=applicant_data(), user=citizen)

    dossier = dossier_submit(dossier=draft, actor=citizen)

    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED
    assert dossier.code == "000.00.16.H62-261125-0001"
    assert dossier.submitted_at == at(2026, 11, 25, 9, 0)
    assert dossier.received_at is None
    assert dossier.due_at is None
    assert events_of(dossier)[-1] == (
        DossierAction.SUBMITTED,
        DossierStatus.DRAFT,
        DossierStatus.SUBMITTED,
    )


def test_receive_starts_the_clock_and_keeps_the_submission_code(procedure, citizen, officer):
    dossier = submitted(procedure, citizen)
    code = dossier.code

    received = dossier_receive(dossier=dossier, actor=officer, received_at=FRIDAY_AFTER_CUTOFF)

    received.refresh_from_db()
    assert received.status == DossierStatus.RECEIVED
    assert received.code == code
    assert received.received_at == FRIDAY_AFTER_CUTOFF
    assert received.due_at == at(2026, 12, 4, 17, 0)
    assert received.appointment_at == received.due_at
    assert received.due_calendar_fingerprint == work_calendar_for(procedure.agency).fingerprint
    assert events_of(received) == [
        (DossierAction.CREATED, "", DossierStatus.DRAFT),
        (DossierAction.SUBMITTED, DossierStatus.DRAFT, DossierStatus.SUBMITTED),
        (DossierAction.RECEIVED, DossierStatus.SUBMITTED, DossierStatus.RECEIVED),
    ]
    assert DossierEvent.objects.filter(dossier=received).last().actor == officer


def test_refuse_records_the_reason(procedure, citizen, officer):
    dossier = submitted(procedure, citizen)

    refused = dossier_refuse(dossier=dossier, actor=officer, reason="Không thuộc thẩm quyền")

    refused.refresh_from_db()
    assert refused.status == DossierStatus.REFUSED
    assert refused.refused_at is not None
    assert refused.received_at is None
    event = DossierEvent.objects.filter(dossier=refused).last()
    assert (event.action, event.from_status, event.to_status, event.note) == (
        DossierAction.REFUSED,
        DossierStatus.SUBMITTED,
        DossierStatus.REFUSED,
        "Không thuộc thẩm quyền",
    )


def test_refuse_needs_a_reason(procedure, citizen, officer):
    dossier = submitted(procedure, citizen)

    with pytest.raises(ValidationError):
        dossier_refuse(dossier=dossier, actor=officer, reason="  ")
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED


def test_received_dossier_cannot_be_refused(procedure, officer):
    dossier = walk_in(procedure, officer)

    with pytest.raises(InvalidTransition):
        dossier_refuse(dossier=dossier, actor=officer, reason="Thiếu giấy tờ")
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RECEIVED
    assert dossier.refused_at is None
    assert len(events_of(dossier)) == 1


@pytest.mark.parametrize("reach", ["submitted", "received"])
def test_withdraw_from_an_open_status(procedure, citizen, officer, reach):
    # Online, the applicant withdraws; a walk-in's applicant asks at the desk.
    if reach == "submitted":
        dossier, actor = submitted(procedure, citizen), citizen
    else:
        dossier, actor = walk_in(procedure, officer), officer

    withdrawn = dossier_withdraw(dossier=dossier, actor=actor, reason="Không còn nhu cầu")

    withdrawn.refresh_from_db()
    assert withdrawn.status == DossierStatus.WITHDRAWN
    assert withdrawn.withdrawn_at is not None
    assert events_of(withdrawn)[-1] == (DossierAction.WITHDRAWN, reach, DossierStatus.WITHDRAWN)


def test_withdrawing_twice_raises_and_writes_no_event(procedure, officer):
    """The guard is re-checked on the locked row, so a stale copy cannot withdraw again."""
    dossier = walk_in(procedure, officer)
    dossier_withdraw(dossier=dossier, actor=officer, reason="Không còn nhu cầu")
    events_before = events_of(dossier)
    withdrawn_at = Dossier.objects.get(pk=dossier.pk).withdrawn_at

    # `dossier` is the stale in-memory copy that still says "received".
    assert dossier.status == DossierStatus.RECEIVED
    with pytest.raises(InvalidTransition):
        dossier_withdraw(dossier=dossier, actor=officer, reason="Bấm hai lần")

    assert events_of(dossier) == events_before
    assert Dossier.objects.get(pk=dossier.pk).withdrawn_at == withdrawn_at


def test_draft_cannot_be_received_directly(procedure, citizen, officer):
    draft = dossier_create_draft(procedure=procedure, applicant=applicant_data(), user=citizen)

    with pytest.raises(InvalidTransition):
        dossier_receive(dossier=draft, actor=officer, received_at=FRIDAY_AFTER_CUTOFF)
    draft.refresh_from_db()
    assert draft.status == DossierStatus.DRAFT
    assert draft.received_at is None
    assert draft.code is None


# ---- the event log is append-only -------------------------------------------------------------


def test_event_cannot_be_saved_again(procedure, officer):
    event = DossierEvent.objects.get(dossier=walk_in(procedure, officer))
    event.note = "sửa lịch sử"

    with pytest.raises(AppendOnlyError):
        event.save()
    assert DossierEvent.objects.get(pk=event.pk).note == ""


def test_event_cannot_be_deleted_through_the_model(procedure, officer):
    event = DossierEvent.objects.get(dossier=walk_in(procedure, officer))

    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        DossierEvent.objects.filter(pk=event.pk).delete()
    assert DossierEvent.objects.filter(pk=event.pk).exists()


def test_database_refuses_to_update_an_event(procedure, officer):
    event = DossierEvent.objects.get(dossier=walk_in(procedure, officer))

    with pytest.raises(DatabaseError), transaction.atomic():
        DossierEvent.objects.filter(pk=event.pk).update(note="x")
    assert DossierEvent.objects.get(pk=event.pk).note == ""


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite keeps no delete trigger: Django empties tables with DELETE between tests.",
)
def test_database_refuses_to_delete_an_event(procedure, officer):
    event = DossierEvent.objects.get(dossier=walk_in(procedure, officer))

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM dossiers_dossierevent WHERE id = %s", [event.pk])
    assert DossierEvent.objects.filter(pk=event.pk).exists()


# ---- pauses -----------------------------------------------------------------------------------


def test_a_dossier_has_at_most_one_open_pause(procedure, officer):
    dossier = walk_in(procedure, officer)
    Pause.objects.create(dossier=dossier, started_at=at(2026, 11, 25, 9, 0), reason="Bổ sung")

    with pytest.raises(IntegrityError), transaction.atomic():
        Pause.objects.create(dossier=dossier, started_at=at(2026, 11, 26, 9, 0), reason="Lần hai")
    assert Pause.objects.filter(dossier=dossier).count() == 1


def test_a_pause_cannot_end_before_it_starts(procedure, officer):
    dossier = walk_in(procedure, officer)

    with pytest.raises(IntegrityError), transaction.atomic():
        Pause.objects.create(
            dossier=dossier,
            started_at=at(2026, 11, 25, 9, 0),
            ended_at=at(2026, 11, 24, 9, 0),
            reason="Bổ sung",
        )
    assert not Pause.objects.exists()


# ---- admin ------------------------------------------------------------------------------------


def test_dossier_admin_is_read_only(client, procedure, officer):
    dossier = walk_in(procedure, officer)
    admin_user = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin_user)

    assert client.get("/admin/dossiers/dossier/").status_code == 200
    page = client.get(f"/admin/dossiers/dossier/{dossier.pk}/change/")
    assert page.status_code == 200
    assert client.get("/admin/dossiers/dossier/add/").status_code == 403
    assert client.get("/admin/dossiers/dossierevent/").status_code == 200
    event = DossierEvent.objects.get(dossier=dossier)
    assert client.get(f"/admin/dossiers/dossierevent/{event.pk}/delete/").status_code == 403
