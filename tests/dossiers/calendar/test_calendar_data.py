"""Calendar data: weekly sessions and calendar days in the database, read as a WorkCalendar."""

import threading
from datetime import date, datetime, time

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from dossiers.choices import CalendarDayKind
from dossiers.deadlines import DEFAULT_SESSIONS, VIETNAM_TZ, Session, WorkCalendar
from dossiers.models import CalendarDay, WorkingSession
from dossiers.selectors import calendar as calendar_selectors
from dossiers.selectors import work_calendar_for, work_calendar_version
from dossiers.services import calendar_day_create
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

DAY_OFF = CalendarDayKind.DAY_OFF
WORKING_DAY = CalendarDayKind.WORKING_DAY
MORNING = Session(time(7, 30), time(11, 30))
AFTERNOON = Session(time(13, 30), time(17, 0))


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared with their English msgids, whatever the translation says."""
    with translation.override("en"):
        yield


def give_own_sessions(agency, weekdays, sessions):
    for weekday in weekdays:
        for session in sessions:
            WorkingSession.objects.create(
                agency=agency, weekday=weekday, start=session.start, end=session.end
            )


def test_default_schedule_exists_after_migrate():
    """The data migration creates Monday–Friday 07:00–11:30 and 13:30–17:00 for every database."""
    rows = set(
        WorkingSession.objects.filter(agency__isnull=True).values_list("weekday", "start", "end")
    )

    assert rows == {
        (weekday, start, end)
        for weekday in range(5)
        for start, end in [(time(7, 0), time(11, 30)), (time(13, 30), time(17, 0))]
    }
    assert not WorkingSession.objects.filter(agency__isnull=False).exists()


def test_default_calendar_is_the_standard_week():
    """With no calendar days, the default calendar equals WorkCalendar.default()."""
    assert work_calendar_for() == WorkCalendar.default()
    assert work_calendar_for().sessions_on(date(2026, 11, 23)) == DEFAULT_SESSIONS
    assert work_calendar_for().sessions_on(date(2026, 11, 28)) == ()


def test_agency_without_sessions_follows_the_default_schedule(agency):
    """An agency with no sessions of its own gets the default weekly schedule."""
    assert work_calendar_for(agency) == WorkCalendar.default()


def test_agency_sessions_replace_the_whole_default_schedule(agency):
    """Own sessions (Monday–Saturday mornings) are the agency's entire week; others keep the default."""
    give_own_sessions(agency, range(6), [MORNING])
    other = AgencyFactory()

    calendar = work_calendar_for(agency)

    assert dict(calendar.weekly) == dict.fromkeys(range(6), (MORNING,))
    assert calendar.sessions_on(date(2026, 11, 28)) == (MORNING,)  # a Saturday
    assert calendar.sessions_on(date(2026, 11, 29)) == ()  # a Sunday
    assert work_calendar_for(other) == WorkCalendar.default()
    assert work_calendar_for() == WorkCalendar.default()


def test_country_wide_day_off_applies_to_every_agency(agency):
    """A country-wide day off closes the default calendar and every agency's calendar."""
    calendar_day_create(day=date(2026, 4, 30), kind=DAY_OFF, reason="Ngày Chiến thắng")

    assert not work_calendar_for().is_working_day(date(2026, 4, 30))
    assert not work_calendar_for(agency).is_working_day(date(2026, 4, 30))
    assert work_calendar_for(agency).is_working_day(date(2026, 4, 29))


def test_agency_row_overrides_the_country_wide_row(agency):
    """On the same date the agency's row wins for that agency only."""
    other = AgencyFactory()
    calendar_day_create(day=date(2026, 2, 16), kind=DAY_OFF, reason="Tết Nguyên đán")
    calendar_day_create(
        day=date(2026, 2, 16),
        kind=WORKING_DAY,
        agency=agency,
        reason="Trực tiếp nhận hồ sơ",
        sessions=[(time(8, 0), time(11, 0))],
    )
    calendar_day_create(day=date(2026, 2, 13), kind=DAY_OFF, agency=agency, reason="Tổng vệ sinh")

    own = work_calendar_for(agency)
    assert own.sessions_on(date(2026, 2, 16)) == (Session(time(8, 0), time(11, 0)),)
    assert not own.is_working_day(date(2026, 2, 13))
    assert not work_calendar_for(other).is_working_day(date(2026, 2, 16))
    assert work_calendar_for(other).is_working_day(date(2026, 2, 13))
    assert not work_calendar_for().is_working_day(date(2026, 2, 16))


def test_make_up_saturday_is_a_working_day_with_normal_hours():
    """A working day given without hours works the default sessions of a Monday."""
    calendar_day_create(
        day=date(2026, 8, 22),
        kind=WORKING_DAY,
        reason="Làm việc bù cho thứ Hai 31/08/2026",
        source_document="Công văn 9859/VPCP-KGVX",
    )

    calendar = work_calendar_for()

    assert calendar.is_working_day(date(2026, 8, 22))
    assert calendar.sessions_on(date(2026, 8, 22)) == DEFAULT_SESSIONS
    assert not calendar.is_working_day(date(2026, 8, 23))
    # Friday 21/08 17:00 + 1 working hour lands on the make-up Saturday, not on Monday.
    friday_close = datetime(2026, 8, 21, 17, 0, tzinfo=VIETNAM_TZ)
    assert calendar.add_working_hours(friday_close, 1) == datetime(
        2026, 8, 22, 8, 0, tzinfo=VIETNAM_TZ
    )


def test_make_up_day_of_an_agency_uses_its_own_monday_hours(agency):
    """An agency with its own schedule works its own Monday hours on a make-up day."""
    give_own_sessions(agency, range(5), [MORNING, AFTERNOON])
    calendar_day_create(day=date(2026, 8, 22), kind=WORKING_DAY, reason="Làm bù")

    assert work_calendar_for(agency).sessions_on(date(2026, 8, 22)) == (MORNING, AFTERNOON)
    assert work_calendar_for().sessions_on(date(2026, 8, 22)) == DEFAULT_SESSIONS


def test_working_day_with_its_own_hours():
    """Session times on a working day replace the normal hours of that date."""
    calendar_day_create(
        day=date(2026, 12, 5),
        kind=WORKING_DAY,
        reason="Sáng thứ Bảy",
        sessions=[(time(7, 30), time(11, 30))],
    )

    assert work_calendar_for().sessions_on(date(2026, 12, 5)) == (MORNING,)


def test_calendar_changes_without_restart_on_create_edit_and_delete():
    """Saving or deleting a row invalidates the cached calendar at once."""
    before = work_calendar_for()
    row = calendar_day_create(day=date(2026, 11, 24), kind=DAY_OFF, reason="Ngày Văn hóa Việt Nam")

    created = work_calendar_for()
    assert created != before
    assert not created.is_working_day(date(2026, 11, 24))

    row.date = date(2026, 11, 25)
    row.save()
    edited = work_calendar_for()
    assert edited.is_working_day(date(2026, 11, 24))
    assert not edited.is_working_day(date(2026, 11, 25))

    row.delete()
    assert work_calendar_for() == before


def test_editing_sessions_changes_the_calendar(agency):
    """A changed working session is seen by the next call."""
    assert work_calendar_for(agency).sessions_on(date(2026, 11, 23)) == DEFAULT_SESSIONS
    give_own_sessions(agency, [0], [MORNING])

    assert work_calendar_for(agency).sessions_on(date(2026, 11, 23)) == (MORNING,)

    WorkingSession.objects.filter(agency=agency).delete()
    assert work_calendar_for(agency) == WorkCalendar.default()


def test_fingerprint_changes_with_the_data():
    """The fingerprint stored with each due date follows the calendar data."""
    before = work_calendar_for().fingerprint
    calendar_day_create(day=date(2026, 1, 1), kind=DAY_OFF, reason="Tết Dương lịch")

    assert work_calendar_for().fingerprint != before


def test_building_takes_two_queries_and_cached_calls_none(
    agency, django_assert_max_num_queries, django_assert_num_queries
):
    """The first call builds with at most three queries; the next ones query nothing."""
    calendar_day_create(day=date(2026, 1, 1), kind=DAY_OFF, reason="Tết Dương lịch")
    calendar_day_create(day=date(2026, 1, 2), kind=DAY_OFF, agency=agency, reason="Nghỉ bù")

    with django_assert_max_num_queries(3):
        first = work_calendar_for(agency)
    with django_assert_num_queries(0):
        second = work_calendar_for(agency)

    assert second is first
    assert not first.is_working_day(date(2026, 1, 2))


def test_another_process_reuses_the_shared_cache(agency, monkeypatch, django_assert_num_queries):
    """A process with an empty memo reads the calendar from the Django cache, not the database."""
    built = work_calendar_for(agency)
    monkeypatch.setattr(calendar_selectors, "_memo", (None, {}))

    with django_assert_num_queries(0):
        again = work_calendar_for(agency)

    assert again == built


def test_uncommitted_change_stays_out_of_the_shared_cache():
    """Until commit only the changing transaction sees a change; the shared cache keeps the old."""
    before = work_calendar_for()
    shared_version = work_calendar_version()

    calendar_day_create(day=date(2026, 12, 31), kind=DAY_OFF, reason="Nghỉ cuối năm")

    assert not work_calendar_for().is_working_day(date(2026, 12, 31))
    assert work_calendar_version() == shared_version
    assert cache.get(f"dossiers:work-calendar:{shared_version}:default") == before


def test_rolled_back_change_leaves_no_trace():
    """A change rolled back with its savepoint is forgotten by the next call."""
    before = work_calendar_for()

    with pytest.raises(RuntimeError), transaction.atomic():
        calendar_day_create(day=date(2026, 12, 31), kind=DAY_OFF, reason="Nghỉ cuối năm")
        assert not work_calendar_for().is_working_day(date(2026, 12, 31))
        raise RuntimeError("rolled back")

    assert work_calendar_for() == before
    assert not CalendarDay.objects.exists()


def test_commit_publishes_the_change_to_other_processes(
    monkeypatch, django_capture_on_commit_callbacks
):
    """On commit the shared version changes, so a process with its own memo rebuilds."""
    work_calendar_for()
    shared_version = work_calendar_version()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        calendar_day_create(day=date(2026, 12, 31), kind=DAY_OFF, reason="Nghỉ cuối năm")

    assert len(callbacks) == 1
    assert work_calendar_version() != shared_version
    # Another process: empty memo, no uncommitted changes of its own.
    monkeypatch.setattr(calendar_selectors, "_memo", (None, {}))
    monkeypatch.setattr(calendar_selectors, "_uncommitted", threading.local())
    assert not work_calendar_for().is_working_day(date(2026, 12, 31))


def test_missing_default_schedule_falls_back_to_the_standard_week():
    """Deleting the whole default schedule cannot leave a calendar without working days."""
    WorkingSession.objects.filter(agency__isnull=True).delete()

    assert dict(work_calendar_for().weekly) == dict.fromkeys(range(5), DEFAULT_SESSIONS)


def test_overlapping_sessions_are_invalid(agency):
    """Two sessions of the same weekday and agency may not overlap; other agencies may."""
    give_own_sessions(agency, [0], [MORNING])
    clash = WorkingSession(agency=agency, weekday=0, start=time(11, 0), end=time(12, 0))

    with pytest.raises(ValidationError, match="overlaps the session 07:30–11:30"):
        clash.full_clean()
    WorkingSession(agency=agency, weekday=1, start=time(11, 0), end=time(12, 0)).full_clean()
    WorkingSession(agency=agency, weekday=0, start=time(11, 30), end=time(12, 0)).full_clean()


def test_session_must_end_after_it_starts():
    """start >= end is a validation error and a database constraint violation."""
    session = WorkingSession(weekday=5, start=time(11, 0), end=time(11, 0))

    with pytest.raises(ValidationError) as error:
        session.full_clean()
    assert error.value.message_dict == {"end": ["A session must end after it starts."]}
    with pytest.raises(IntegrityError), transaction.atomic():
        session.save()


def test_one_country_wide_row_per_date():
    """The conditional unique constraint catches two country-wide rows on one date."""
    calendar_day_create(day=date(2026, 1, 1), kind=DAY_OFF, reason="Tết Dương lịch")

    with pytest.raises(ValidationError) as error:
        calendar_day_create(day=date(2026, 1, 1), kind=WORKING_DAY, reason="Trùng")
    assert error.value.messages == ["There is already a country-wide calendar day on this date."]
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarDay.objects.create(date=date(2026, 1, 1), kind=DAY_OFF, reason="Trùng")


def test_one_row_per_date_and_agency(agency):
    """An agency has one row per date, next to the country-wide one."""
    calendar_day_create(day=date(2026, 1, 1), kind=DAY_OFF, reason="Tết Dương lịch")
    calendar_day_create(day=date(2026, 1, 1), kind=DAY_OFF, agency=agency, reason="Nghỉ")

    with pytest.raises(ValidationError) as error:
        calendar_day_create(day=date(2026, 1, 1), kind=WORKING_DAY, agency=agency, reason="Trùng")
    assert error.value.messages == ["This agency already has a calendar day on this date."]
    assert CalendarDay.objects.filter(date=date(2026, 1, 1)).count() == 2


@pytest.mark.parametrize(
    ("kind", "sessions", "errors"),
    [
        (
            DAY_OFF,
            [(time(7, 0), time(11, 0))],
            {"first_session_start": ["Session times apply to working days only."]},
        ),
        (
            WORKING_DAY,
            [(time(11, 0), time(7, 0))],
            {"first_session_end": ["A session must end after it starts."]},
        ),
        (
            WORKING_DAY,
            [(time(7, 0), time(11, 30)), (time(11, 0), time(17, 0))],
            {"second_session_start": ["The second session must start after the first one ends."]},
        ),
    ],
)
def test_calendar_day_session_validation(kind, sessions, errors):
    """Invalid session times are reported on their fields and nothing is saved."""
    with pytest.raises(ValidationError) as error:
        calendar_day_create(day=date(2026, 12, 5), kind=kind, reason="Thử", sessions=sessions)

    assert error.value.message_dict == errors
    assert not CalendarDay.objects.exists()


def test_half_given_session_is_invalid():
    """A session needs both its start and its end."""
    row = CalendarDay(
        date=date(2026, 12, 5), kind=WORKING_DAY, reason="Thử", first_session_start=time(7, 0)
    )

    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert error.value.message_dict == {
        "first_session_end": ["Give both the start and the end of the session."]
    }
