"""Properties of dossiers.deadlines that must hold on any calendar, checked with hypothesis."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dossiers.deadlines import (
    DEFAULT_SESSIONS,
    DUE_SOON_WORKING_SECONDS,
    VIETNAM_TZ,
    Session,
    WorkCalendar,
    classify_completion,
    compute_due,
    open_state,
    resume_due,
)

PROFILE = settings(max_examples=200, deadline=None)

FIRST_DAY = date(2025, 6, 1)
LAST_DAY = date(2027, 6, 30)
ZONES = [VIETNAM_TZ, UTC, ZoneInfo("America/New_York")]

# Three session patterns of eight hours each: calendars drawn from them have working days of one
# length, the precondition of add_working_days additivity (see test_add_working_days_is_additive).
EIGHT_HOUR_PATTERNS = [
    DEFAULT_SESSIONS,
    (Session(time(8), time(12)), Session(time(13), time(17))),
    (Session(time(7, 30), time(11, 30)), Session(time(13), time(17))),
]

days = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)
moments = st.datetimes(
    # Hypothesis takes naive bounds and attaches the drawn zone.
    min_value=datetime(2025, 6, 1),
    max_value=datetime(2027, 6, 30),
    timezones=st.sampled_from(ZONES),
    allow_imaginary=False,
)
whole_second_moments = moments.map(lambda value: value.replace(microsecond=0))
# Quarter-hour moments hit session boundaries exactly, where the conventions live.
aligned_moments = st.builds(
    lambda day, quarter: datetime.combine(day, time(quarter // 4, quarter % 4 * 15), VIETNAM_TZ),
    days,
    st.integers(0, 95),
)
any_moments = st.one_of(moments, aligned_moments)


def quarters_to_sessions(quarters):
    """Pairs of sorted quarter-hour marks become one to three sessions."""
    marks = sorted(quarters)[: len(quarters) // 2 * 2]
    points = [time(q // 4, q % 4 * 15) for q in marks]
    return tuple(Session(points[k], points[k + 1]) for k in range(0, len(points), 2))


# Strategies are built once: defining them inside a composite re-validates them on every draw,
# which was most of the run time.
random_sessions = st.lists(st.integers(0, 95), min_size=2, max_size=6, unique=True).map(
    quarters_to_sessions
)
eight_hour_sessions = st.sampled_from(EIGHT_HOUR_PATTERNS)
some_days_off = st.sets(days, max_size=40)
random_weekly = st.dictionaries(st.integers(0, 6), random_sessions, min_size=1, max_size=7)
random_extra = st.dictionaries(days, random_sessions, max_size=8)
uniform_weekly = st.dictionaries(st.integers(0, 6), eight_hour_sessions, min_size=1, max_size=7)
uniform_extra = st.dictionaries(days, eight_hour_sessions, max_size=8)
calendar_zones = st.sampled_from([VIETNAM_TZ, ZoneInfo("Asia/Bangkok")])


@st.composite
def general_calendars(draw):
    """Any weekly pattern (at least one working weekday), random days off and extra days."""
    extra = draw(random_extra)
    return WorkCalendar(
        weekly=draw(random_weekly),
        days_off=draw(some_days_off) - set(extra),
        extra_working_days=extra,
        tz=draw(calendar_zones),
    )


@st.composite
def uniform_calendars(draw):
    """Every working day lasts eight hours, though the sessions differ between days."""
    extra = draw(uniform_extra)
    return WorkCalendar(
        weekly=draw(uniform_weekly),
        days_off=draw(some_days_off) - set(extra),
        extra_working_days=extra,
    )


@st.composite
def default_calendars(draw):
    """Monday to Friday, default sessions, random days off (holidays) and make-up days."""
    extra = draw(st.sets(days, max_size=8))
    return WorkCalendar.default(days_off=draw(some_days_off) - extra, extra_working_days=extra)


def limits(unit):
    if unit == "working_days":
        whole = st.integers(0, 40)
        halves = st.integers(0, 80).map(lambda n: Decimal(n) / 2)
        return st.one_of(whole, halves)
    if unit == "working_hours":
        return st.integers(0, 400).map(lambda n: Decimal(n) / 4)
    return st.integers(0, 60)


def in_session_or_at_end(calendar, moment):
    local = moment.astimezone(calendar.tz)
    clock = local.time()
    return any(s.start <= clock <= s.end for s in calendar.sessions_on(local.date()))


def strictly_in_session(calendar, moment):
    local = moment.astimezone(calendar.tz)
    clock = local.time()
    return any(s.start <= clock < s.end for s in calendar.sessions_on(local.date()))


@pytest.mark.parametrize("unit", ["working_days", "working_hours", "calendar_days"])
@PROFILE
@given(
    data=st.data(), calendar=general_calendars(), a=any_moments, b=any_moments, cutoff=st.booleans()
)
def test_due_is_monotonic_in_receipt(unit, data, calendar, a, b, cutoff):
    """A later receipt never gets an earlier due time."""
    amount = data.draw(limits(unit))
    a, b = min(a, b), max(a, b)

    due_a = compute_due(a, amount, unit, cutoff=cutoff, calendar=calendar)
    due_b = compute_due(b, amount, unit, cutoff=cutoff, calendar=calendar)

    assert due_a.starts_at <= due_b.starts_at
    assert due_a.due_at <= due_b.due_at


@pytest.mark.parametrize("unit", ["working_days", "working_hours", "calendar_days"])
@PROFILE
@given(data=st.data(), calendar=general_calendars(), received=any_moments, cutoff=st.booleans())
def test_due_lies_in_a_session_or_at_its_end(unit, data, calendar, received, cutoff):
    amount = data.draw(limits(unit))

    due = compute_due(received, amount, unit, cutoff=cutoff, calendar=calendar)

    assert due.due_at.tzinfo is calendar.tz
    assert due.starts_at.tzinfo is calendar.tz
    assert strictly_in_session(calendar, due.starts_at)
    assert in_session_or_at_end(calendar, due.due_at)
    assert received <= due.starts_at <= due.due_at


@PROFILE
@given(calendar=uniform_calendars(), x=any_moments, n=st.integers(0, 30), m=st.integers(1, 30))
def test_add_working_days_is_additive(calendar, x, n, m):
    """Holds for any x when all working days have the same length and m >= 1.

    Equal lengths: a shorter day clamps the position (test_deadlines.py shows the counterexample).
    m >= 1: adding 0 days returns the next working moment, which moves a result lying at a session
    end (11:30, or 17:00 for a start at the opening) to the next session start.
    """
    assert calendar.add_working_days(calendar.add_working_days(x, n), m) == (
        calendar.add_working_days(x, n + m)
    )


@PROFILE
@given(calendar=general_calendars(), x=any_moments, n=st.integers(0, 30))
def test_add_working_days_result_in_session(calendar, x, n):
    result = calendar.add_working_days(x, n)

    assert result.tzinfo is calendar.tz
    assert in_session_or_at_end(calendar, result)
    assert result >= x


@PROFILE
@given(calendar=general_calendars(), a=any_moments, minutes=st.integers(0, 6000))
def test_walked_hours_are_exactly_the_working_time_between(calendar, a, minutes):
    hours = Decimal(minutes) / 60

    end = calendar.add_working_hours(a, hours)

    assert calendar.working_seconds_between(a, end) == minutes * 60
    assert in_session_or_at_end(calendar, end)
    assert end.tzinfo is calendar.tz
    if minutes:
        # Earliest moment convention: one second earlier the time is not yet used up.
        assert calendar.working_seconds_between(a, end - timedelta(seconds=1)) < minutes * 60


@PROFILE
@given(calendar=general_calendars(), at=any_moments)
def test_next_working_moment(calendar, at):
    result = calendar.next_working_moment(at)

    assert result >= at
    assert strictly_in_session(calendar, result)
    assert calendar.working_seconds_between(at, result) == 0
    assert calendar.next_working_moment(result) == result


@PROFILE
@given(calendar=general_calendars(), points=st.lists(whole_second_moments, min_size=3, max_size=3))
def test_working_seconds_add_up(calendar, points):
    a, b, c = sorted(points)

    total = calendar.working_seconds_between(a, c)

    assert total == calendar.working_seconds_between(a, b) + calendar.working_seconds_between(b, c)
    assert 0 <= total <= (c.astimezone(UTC) - a.astimezone(UTC)).total_seconds()


@PROFILE
@given(calendar=default_calendars(), day=days, sunday=st.booleans())
def test_makeup_day_is_a_working_day(calendar, day, sunday):
    weekend_day = day + timedelta(days=5 + sunday - day.weekday())
    assume(weekend_day not in calendar.days_off)
    with_makeup = WorkCalendar.default(
        days_off=calendar.days_off,
        extra_working_days={**calendar.extra_working_days, weekend_day: DEFAULT_SESSIONS},
    )
    midnight = datetime.combine(weekend_day, time(0), VIETNAM_TZ)
    previous = weekend_day - timedelta(days=1)
    while not with_makeup.is_working_day(previous):
        previous -= timedelta(days=1)
    before = datetime.combine(previous, time(10), VIETNAM_TZ)

    if weekend_day not in calendar.extra_working_days:
        assert not calendar.is_working_day(weekend_day)
        assert with_makeup.fingerprint != calendar.fingerprint
    assert with_makeup.is_working_day(weekend_day)
    assert with_makeup.next_working_moment(midnight) == midnight.replace(hour=7)
    assert with_makeup.working_seconds_between(midnight, midnight + timedelta(days=1)) == 28800
    assert with_makeup.add_working_days(before, 1) == midnight.replace(hour=10)


@PROFILE
@given(
    calendar=general_calendars(),
    received=whole_second_moments,
    amount=st.integers(0, 20),
    paused=whole_second_moments,
    pause_seconds=st.integers(0, 40 * 86400),
)
def test_resume_shifts_due_by_the_working_time_of_the_pause(
    calendar, received, amount, paused, pause_seconds
):
    due = compute_due(received, amount, "working_days", cutoff=True, calendar=calendar).due_at
    # Adding in UTC: wall-clock addition in a DST zone drops `fold` and can go back an hour.
    resumed = (paused.astimezone(UTC) + timedelta(seconds=pause_seconds)).astimezone(paused.tzinfo)

    new_due = resume_due(due, paused, resumed, calendar=calendar)

    paused_working = calendar.working_seconds_between(paused, resumed)
    remaining = calendar.working_seconds_between(paused, due)
    if paused_working == 0 or remaining == 0:
        assert new_due == due
    else:
        assert calendar.working_seconds_between(due, new_due) == paused_working
        assert calendar.working_seconds_between(resumed, new_due) == remaining
        assert new_due > due
        assert in_session_or_at_end(calendar, new_due)


@PROFILE
@given(calendar=general_calendars(), received=moments, amount=st.integers(0, 20), paused=moments)
def test_zero_pause_keeps_the_due(calendar, received, amount, paused):
    due = compute_due(received, amount, "working_days", cutoff=False, calendar=calendar).due_at

    assert resume_due(due, paused, paused, calendar=calendar) == due


RANK = {"early": 0, "on_time": 1, "late": 2}


# Completions within a couple of days of the due time, in any zone: the day boundary is where a
# classification that ignored the Vietnamese calendar day would go wrong.
near_offsets = st.integers(-3 * 86400, 3 * 86400).map(lambda seconds: timedelta(seconds=seconds))


@PROFILE
@given(
    due=any_moments,
    offsets=st.lists(near_offsets, min_size=2, max_size=2),
    zones=st.lists(st.sampled_from(ZONES), min_size=2, max_size=2),
)
def test_classify_completion_follows_the_order_of_time(due, offsets, zones):
    first, second = (
        (due.astimezone(UTC) + offset).astimezone(zone)
        for offset, zone in zip(sorted(offsets), zones, strict=True)
    )
    label = classify_completion(first, due)
    completed_day = first.astimezone(VIETNAM_TZ).date()
    due_day = due.astimezone(VIETNAM_TZ).date()

    # In UTC: two datetimes sharing a tzinfo compare by wall clock, ignoring `fold`.
    assert (label == "late") == (first.astimezone(UTC) > due.astimezone(UTC))
    if label == "on_time":
        assert completed_day == due_day
    if label == "early":
        assert completed_day < due_day
    assert RANK[label] <= RANK[classify_completion(second, due)]


@PROFILE
@given(calendar=general_calendars(), now=moments, due=moments)
def test_open_state_matches_working_time_left(calendar, now, due):
    state = open_state(now, due, calendar=calendar)

    assert (state == "overdue") == (now > due)
    if now <= due:
        left = calendar.working_seconds_between(now, due)
        assert (state == "due_soon") == (left < DUE_SOON_WORKING_SECONDS)


@PROFILE
@given(days_off=some_days_off, start=days, n=st.integers(0, 400))
def test_add_working_days_agrees_with_numpy_busday_offset(days_off, start, n):
    """numpy knows no make-up days, so the oracle only covers Monday-Friday calendars."""
    calendar = WorkCalendar.default(days_off=days_off)
    assume(calendar.is_working_day(start))
    at_ten = datetime(start.year, start.month, start.day, 10, tzinfo=VIETNAM_TZ)

    result = calendar.add_working_days(at_ten, n)

    expected = np.busday_offset(start, n, roll="forward", holidays=sorted(days_off))
    assert result == datetime.combine(expected.astype(date), time(10), tzinfo=VIETNAM_TZ)
