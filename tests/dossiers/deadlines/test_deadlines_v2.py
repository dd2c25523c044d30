"""Rule v2 units of dossiers.deadlines: months, hours, within_day and not_stated.

Dated cases run on the 2026 calendar of test_deadlines.py; the properties on the random calendars
of test_deadlines_properties.py.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from dossiers.deadlines import (
    RULE_VERSION,
    VIETNAM_TZ,
    NoTimeLimitError,
    TimeUnit,
    WorkCalendar,
    compute_due,
    restart_due,
    resume_due,
)
from procedures.choices import TimeUnit as CatalogueTimeUnit
from tests.dossiers.deadlines.test_deadlines import CAL, utc, vn
from tests.dossiers.deadlines.test_deadlines_properties import (
    PROFILE,
    any_moments,
    general_calendars,
    in_session_or_at_end,
)

MO = "months"
HO = "hours"
WI = "within_day"
NS = "not_stated"


def test_rule_version_and_units():
    assert RULE_VERSION == "v2"
    assert [unit.value for unit in TimeUnit] == [
        "working_days",
        "working_hours",
        "calendar_days",
        "hours",
        "months",
        "within_day",
        "not_stated",
    ]


def test_units_are_the_catalogue_time_units():
    """Every unit a procedure may state has a rule, and the rule knows no other unit."""
    assert {unit.value for unit in TimeUnit} == set(CatalogueTimeUnit.values)


# (received, amount, unit, cutoff, expected starts_at, expected due_at)
V2_CASES = {
    # -- months (Civil Code 2015 Art. 147-148) --------------------------------------------------
    # CAL lists the days off of 2026 only, so 2024, 2025 and 2030 are plain Monday-Friday here.
    "months-31-1-to-28-2": (vn(2030, 1, 31, 10), 1, MO, True, vn(2030, 1, 31, 10), vn(2030, 2, 28, 17)),
    "months-31-1-to-29-2-leap-year": (vn(2024, 1, 31, 10), 1, MO, True, vn(2024, 1, 31, 10), vn(2024, 2, 29, 17)),
    "months-29-2-plus-12-to-28-2": (vn(2024, 2, 29, 10), 12, MO, True, vn(2024, 2, 29, 10), vn(2025, 2, 28, 17)),
    "months-reception-day-not-counted": (vn(2026, 3, 2, 10), 1, MO, True, vn(2026, 3, 2, 10), vn(2026, 4, 2, 17)),
    "months-end-on-sunday-moves-to-monday": (vn(2026, 3, 5, 10), 1, MO, True, vn(2026, 3, 5, 10), vn(2026, 4, 6, 17)),
    "months-clamped-to-30-4-holiday-then-weekend": (vn(2026, 3, 31, 10), 1, MO, True, vn(2026, 3, 31, 10), vn(2026, 5, 4, 17)),
    "months-clamped-to-saturday-28-2": (vn(2025, 12, 31, 10), 2, MO, True, vn(2025, 12, 31, 10), vn(2026, 3, 2, 17)),
    "months-end-in-tet": (vn(2026, 1, 16, 10), 1, MO, True, vn(2026, 1, 16, 10), vn(2026, 2, 23, 17)),
    "months-end-on-makeup-saturday": (vn(2026, 7, 22, 9), 1, MO, True, vn(2026, 7, 22, 9), vn(2026, 8, 22, 17)),
    "months-twelve": (vn(2026, 3, 2, 10), 12, MO, True, vn(2026, 3, 2, 10), vn(2027, 3, 2, 17)),
    "months-zero-is-close-of-start-day": (vn(2026, 3, 3, 10), 0, MO, True, vn(2026, 3, 3, 10), vn(2026, 3, 3, 17)),
    "months-after-cutoff-start-next-day": (vn(2026, 3, 2, 15, 30), 1, MO, True, vn(2026, 3, 3, 7), vn(2026, 4, 3, 17)),
    "months-1530-without-cutoff": (vn(2026, 3, 2, 15, 30), 1, MO, False, vn(2026, 3, 2, 15, 30), vn(2026, 4, 2, 17)),
    "months-received-on-saturday": (vn(2026, 3, 7, 10), 1, MO, True, vn(2026, 3, 9, 7), vn(2026, 4, 9, 17)),
    "months-evening-start-next-day": (vn(2026, 3, 6, 18), 1, MO, False, vn(2026, 3, 9, 7), vn(2026, 4, 9, 17)),
    "months-decimal-whole-amount": (vn(2026, 3, 2, 10), Decimal("2"), MO, True, vn(2026, 3, 2, 10), vn(2026, 5, 4, 17)),
    # -- hours: clock hours from the receipt itself -------------------------------------------------
    "hours-24-into-saturday": (vn(2026, 3, 6, 16), 24, HO, True, vn(2026, 3, 6, 16), vn(2026, 3, 7, 16)),
    "hours-cutoff-does-not-apply": (vn(2026, 3, 3, 15, 30), 8, HO, True, vn(2026, 3, 3, 15, 30), vn(2026, 3, 3, 23, 30)),
    "hours-received-on-sunday": (vn(2026, 3, 8, 9), 2, HO, True, vn(2026, 3, 8, 9), vn(2026, 3, 8, 11)),
    "hours-48-across-tet": (vn(2026, 2, 16, 8), 48, HO, False, vn(2026, 2, 16, 8), vn(2026, 2, 18, 8)),
    "hours-fractional": (vn(2026, 3, 3, 10), Decimal("1.5"), HO, False, vn(2026, 3, 3, 10), vn(2026, 3, 3, 11, 30)),
    "hours-zero-is-receipt": (vn(2026, 3, 3, 18), 0, HO, True, vn(2026, 3, 3, 18), vn(2026, 3, 3, 18)),
    "hours-utc-input": (utc(2026, 3, 3, 2, 15), 24, HO, True, vn(2026, 3, 3, 9, 15), vn(2026, 3, 4, 9, 15)),
    # -- within_day ---------------------------------------------------------------------------------
    "within-day-morning": (vn(2026, 3, 3, 10), None, WI, True, vn(2026, 3, 3, 10), vn(2026, 3, 3, 17)),
    "within-day-before-opening": (vn(2026, 3, 3, 6, 30), None, WI, True, vn(2026, 3, 3, 7), vn(2026, 3, 3, 17)),
    "within-day-lunch": (vn(2026, 3, 3, 12, 10), None, WI, True, vn(2026, 3, 3, 13, 30), vn(2026, 3, 3, 17)),
    "within-day-at-1500-keeps-the-day": (vn(2026, 3, 3, 15), None, WI, True, vn(2026, 3, 3, 15), vn(2026, 3, 3, 17)),
    "within-day-after-1500-next-day": (vn(2026, 3, 3, 15, 1), None, WI, True, vn(2026, 3, 4, 7), vn(2026, 3, 4, 17)),
    "within-day-1530-without-cutoff": (vn(2026, 3, 3, 15, 30), None, WI, False, vn(2026, 3, 3, 15, 30), vn(2026, 3, 3, 17)),
    "within-day-at-close-next-day": (vn(2026, 3, 3, 17), None, WI, False, vn(2026, 3, 4, 7), vn(2026, 3, 4, 17)),
    "within-day-evening-next-day": (vn(2026, 3, 3, 18), None, WI, False, vn(2026, 3, 4, 7), vn(2026, 3, 4, 17)),
    "within-day-saturday-monday": (vn(2026, 3, 7, 10), None, WI, True, vn(2026, 3, 9, 7), vn(2026, 3, 9, 17)),
    "within-day-friday-before-tet-after-cutoff": (vn(2026, 2, 13, 15, 30), None, WI, True, vn(2026, 2, 23, 7), vn(2026, 2, 23, 17)),
    "within-day-makeup-saturday": (vn(2026, 8, 22, 10), None, WI, True, vn(2026, 8, 22, 10), vn(2026, 8, 22, 17)),
    "within-day-amount-ignored": (vn(2026, 3, 3, 10), 5, WI, True, vn(2026, 3, 3, 10), vn(2026, 3, 3, 17)),
}  # fmt: skip


@pytest.mark.parametrize(
    ("received", "amount", "unit", "cutoff", "starts", "due"),
    list(V2_CASES.values()),
    ids=list(V2_CASES),
)
def test_compute_due_v2(received, amount, unit, cutoff, starts, due):
    result = compute_due(received, amount, unit, cutoff=cutoff, calendar=CAL)

    assert (result.starts_at, result.due_at) == (starts, due)
    assert result.due_at.tzinfo is VIETNAM_TZ
    assert result.starts_at.tzinfo is VIETNAM_TZ
    assert result.rule_version == RULE_VERSION
    assert result.unit == unit


@pytest.mark.parametrize(
    ("received", "amount", "unit", "cutoff", "starts", "due"),
    list(V2_CASES.values()),
    ids=list(V2_CASES),
)
def test_restart_due_v2_counts_like_a_receipt(received, amount, unit, cutoff, starts, due):
    result = restart_due(received, amount, unit, cutoff=cutoff, calendar=CAL)

    assert (result.starts_at, result.due_at) == (starts, due)
    assert "bổ sung" in result.explanation


def test_due_records_the_inputs_of_a_months_limit():
    result = compute_due(utc(2026, 3, 2, 3, 0), 1, MO, cutoff=True, calendar=CAL)

    assert result.received_at == vn(2026, 3, 2, 10)
    assert result.amount == Decimal(1)
    assert isinstance(result.amount, Decimal)
    assert result.unit == TimeUnit.MONTHS
    assert result.cutoff is True
    assert result.calendar_fingerprint == CAL.fingerprint


@pytest.mark.parametrize("amount", [None, 0, 1, Decimal("2.5")])
def test_within_day_ignores_the_amount_and_records_none(amount):
    result = compute_due(vn(2026, 3, 3, 10), amount, WI, cutoff=True, calendar=CAL)

    assert result.due_at == vn(2026, 3, 3, 17)
    assert result.amount is None


@pytest.mark.parametrize("amount", [None, 0, 3, Decimal("1.5")])
@pytest.mark.parametrize("compute", [compute_due, restart_due], ids=["compute", "restart"])
def test_not_stated_raises_no_time_limit_error(compute, amount):
    with pytest.raises(NoTimeLimitError, match="states no time limit"):
        compute(vn(2026, 3, 3, 10), amount, NS, cutoff=True, calendar=CAL)


def test_no_time_limit_error_is_a_value_error():
    assert issubclass(NoTimeLimitError, ValueError)


# (call, fragment of the error message)
INVALID_V2_CALLS = {
    "months-without-amount": (
        lambda: compute_due(vn(2026, 3, 3, 10), None, MO, cutoff=True, calendar=CAL),
        "needs an amount",
    ),
    "hours-without-amount": (
        lambda: compute_due(vn(2026, 3, 3, 10), None, HO, cutoff=True, calendar=CAL),
        "needs an amount",
    ),
    "working-days-without-amount": (
        lambda: compute_due(vn(2026, 3, 3, 10), None, "working_days", cutoff=True, calendar=CAL),
        "needs an amount",
    ),
    "fractional-months": (
        lambda: compute_due(vn(2026, 3, 3, 10), Decimal("1.5"), MO, cutoff=True, calendar=CAL),
        "whole number of months",
    ),
    "negative-months": (
        lambda: compute_due(vn(2026, 3, 3, 10), -1, MO, cutoff=True, calendar=CAL),
        "must not be negative",
    ),
    "negative-hours": (
        lambda: compute_due(vn(2026, 3, 3, 10), Decimal("-1"), HO, cutoff=True, calendar=CAL),
        "must not be negative",
    ),
    "months-beyond-year-9999": (
        lambda: compute_due(vn(9999, 3, 2, 10), 12, MO, cutoff=True, calendar=CAL),
        "beyond the supported date range",
    ),
    "hours-beyond-year-9999": (
        lambda: compute_due(vn(9999, 12, 31, 10), 24, HO, cutoff=True, calendar=CAL),
        "beyond the supported date range",
    ),
    "resume-unknown-unit": (
        lambda: resume_due(vn(2026, 3, 6), vn(2026, 3, 3), vn(2026, 3, 4), calendar=CAL, unit="x"),
        "Unknown time unit",
    ),
}


@pytest.mark.parametrize(
    ("call", "message"), list(INVALID_V2_CALLS.values()), ids=list(INVALID_V2_CALLS)
)
def test_invalid_v2_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


EXPLANATION_V2_CASES = {
    "months": (
        (vn(2026, 3, 2, 10), 1, MO, True),
        ["1 tháng", "không tính ngày tiếp nhận", "02/04/2026", "ngày tương ứng", "v2"],
    ),
    "months-clamped-and-moved": (
        (vn(2026, 3, 31, 10), 1, MO, True),
        [
            "ngày cuối cùng của thời hạn là 30/04/2026",
            "không có ngày tương ứng",
            "Ngày 30/04/2026 là ngày nghỉ",
            "Hạn trả kết quả: 17:00 04/05/2026",
        ],
    ),
    "hours": (
        (vn(2026, 3, 6, 16), 24, HO, True),
        ["16:00 06/03/2026", "24 giờ", "giờ đồng hồ", "Hạn trả kết quả: 16:00 07/03/2026"],
    ),
    "within-day-after-cutoff": (
        (vn(2026, 3, 3, 15, 30), None, WI, True),
        ["sau 15:00", "trong ngày", "Hạn trả kết quả: 17:00 04/03/2026"],
    ),
    "old-unit-names-the-current-rule": (
        (vn(2026, 3, 3, 10), 3, "working_days", True),
        ["3 ngày làm việc", f"(quy tắc tính thời hạn {RULE_VERSION})"],
    ),
}


@pytest.mark.parametrize(
    ("args", "fragments"), list(EXPLANATION_V2_CASES.values()), ids=list(EXPLANATION_V2_CASES)
)
def test_explanation_of_v2_units(args, fragments):
    received, amount, unit, cutoff = args

    explanation = compute_due(received, amount, unit, cutoff=cutoff, calendar=CAL).explanation

    for fragment in fragments:
        assert fragment in explanation


def test_months_explanation_cites_no_move_when_the_last_day_is_worked():
    explanation = compute_due(vn(2026, 3, 2, 10), 1, MO, cutoff=True, calendar=CAL).explanation

    assert "là ngày nghỉ" not in explanation
    assert "không có ngày tương ứng" not in explanation


# (due_at, paused_at, resumed_at, unit, expected new due)
RESUME_V2_CASES = {
    "hours-pause-shifts-by-clock-time": (vn(2026, 3, 7, 16), vn(2026, 3, 6, 17), vn(2026, 3, 6, 19), HO, vn(2026, 3, 7, 18)),
    "hours-pause-over-weekend-counts": (vn(2026, 3, 9, 10), vn(2026, 3, 6, 16), vn(2026, 3, 9, 8), HO, vn(2026, 3, 12, 2)),
    "hours-zero-pause": (vn(2026, 3, 7, 16), vn(2026, 3, 6, 17), vn(2026, 3, 6, 17), HO, vn(2026, 3, 7, 16)),
    "hours-paused-after-due": (vn(2026, 3, 7, 16), vn(2026, 3, 7, 17), vn(2026, 3, 9, 8), HO, vn(2026, 3, 7, 16)),
    "months-walk-working-time-as-v1": (vn(2026, 4, 2, 17), vn(2026, 3, 3, 10), vn(2026, 3, 4, 10), MO, vn(2026, 4, 3, 17)),
    "within-day-walk-working-time": (vn(2026, 3, 3, 17), vn(2026, 3, 3, 10), vn(2026, 3, 4, 10), WI, vn(2026, 3, 4, 17)),
    "no-unit-is-working-time": (vn(2026, 3, 7, 16), vn(2026, 3, 6, 16), vn(2026, 3, 9, 8), None, vn(2026, 3, 9, 9)),
}  # fmt: skip


@pytest.mark.parametrize(
    ("due", "paused", "resumed", "unit", "expected"),
    list(RESUME_V2_CASES.values()),
    ids=list(RESUME_V2_CASES),
)
def test_resume_due_v2(due, paused, resumed, unit, expected):
    assert resume_due(due, paused, resumed, calendar=CAL, unit=unit) == expected


def test_resume_due_for_not_stated_raises():
    with pytest.raises(NoTimeLimitError):
        resume_due(vn(2026, 3, 6), vn(2026, 3, 3), vn(2026, 3, 4), calendar=CAL, unit=NS)


# ---- properties -------------------------------------------------------------------------------


def _first_working_day_from(calendar: WorkCalendar, day: date) -> date:
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def _close_of(calendar: WorkCalendar, day: date) -> datetime:
    return datetime.combine(day, calendar.sessions_on(day)[-1].end, calendar.tz)


@PROFILE
@given(
    calendar=general_calendars(),
    received=any_moments,
    n=st.integers(0, 36),
    cutoff=st.booleans(),
)
def test_months_due_is_the_close_of_the_first_working_day_from_the_corresponding_day(
    calendar, received, n, cutoff
):
    due = compute_due(received, n, MO, cutoff=cutoff, calendar=calendar)
    start_day = due.starts_at.date()
    # relativedelta clamps to the month's last day, as Art. 148 does.
    corresponding = start_day + relativedelta(months=n)

    assert received <= due.starts_at <= due.due_at
    assert due.due_at.tzinfo is calendar.tz
    assert calendar.is_working_day(due.due_at.date())
    assert due.due_at == _close_of(calendar, _first_working_day_from(calendar, corresponding))
    # The start is the same as for calendar days, which count the start day out too.
    days = compute_due(received, 0, "calendar_days", cutoff=cutoff, calendar=calendar)
    assert due.starts_at == days.starts_at


@PROFILE
@given(
    calendar=general_calendars(),
    received=any_moments,
    n=st.integers(0, 24),
    cutoff=st.booleans(),
)
def test_months_due_never_moves_back_with_a_longer_limit(calendar, received, n, cutoff):
    shorter = compute_due(received, n, MO, cutoff=cutoff, calendar=calendar)
    longer = compute_due(received, n + 1, MO, cutoff=cutoff, calendar=calendar)

    assert shorter.due_at <= longer.due_at


@PROFILE
@given(
    calendar=general_calendars(),
    received=any_moments,
    quarters=st.integers(0, 4 * 24 * 60),
    cutoff=st.booleans(),
)
def test_hours_due_is_exactly_the_clock_hours_after_the_receipt(
    calendar, received, quarters, cutoff
):
    hours = Decimal(quarters) / 4

    due = compute_due(received, hours, HO, cutoff=cutoff, calendar=calendar)

    assert due.starts_at == received
    assert due.due_at.astimezone(UTC) - received.astimezone(UTC) == timedelta(minutes=15 * quarters)
    assert due.due_at.tzinfo is calendar.tz
    assert due.starts_at.tzinfo is calendar.tz


@PROFILE
@given(calendar=general_calendars(), received=any_moments, cutoff=st.booleans())
def test_within_day_due_is_the_close_of_the_reception_day_or_the_next_working_day(
    calendar, received, cutoff
):
    due = compute_due(received, None, WI, cutoff=cutoff, calendar=calendar)
    local = received.astimezone(calendar.tz)
    sessions = calendar.sessions_on(local.date())
    keeps_the_day = (
        bool(sessions)
        and local.time() < sessions[-1].end
        and not (cutoff and local.time() > time(15))
    )
    expected_day = (
        local.date()
        if keeps_the_day
        else _first_working_day_from(calendar, local.date() + timedelta(days=1))
    )

    assert due.due_at == _close_of(calendar, expected_day)
    assert received <= due.starts_at <= due.due_at
    assert in_session_or_at_end(calendar, due.due_at)
    assert due.amount is None


@PROFILE
@given(
    calendar=general_calendars(),
    received=any_moments,
    amount=st.one_of(st.none(), st.integers(0, 100)),
    cutoff=st.booleans(),
)
def test_not_stated_never_gives_a_due(calendar, received, amount, cutoff):
    with pytest.raises(NoTimeLimitError):
        compute_due(received, amount, NS, cutoff=cutoff, calendar=calendar)


@PROFILE
@given(
    calendar=general_calendars(),
    received=any_moments,
    hours=st.integers(1, 200),
    pause_start=st.integers(0, 200 * 60),
    pause_minutes=st.integers(0, 10 * 24 * 60),
)
def test_resuming_an_hours_limit_adds_the_pause_in_clock_time(
    calendar, received, hours, pause_start, pause_minutes
):
    due = compute_due(received, hours, HO, cutoff=False, calendar=calendar).due_at
    # Adding in UTC: wall-clock addition in a DST zone drops `fold` and can go back an hour.
    paused = received.astimezone(UTC) + timedelta(minutes=pause_start)
    resumed = paused + timedelta(minutes=pause_minutes)

    new_due = resume_due(due, paused, resumed, calendar=calendar, unit=HO)

    if paused >= due:
        assert new_due == due
    else:
        assert new_due.astimezone(UTC) - due.astimezone(UTC) == timedelta(minutes=pause_minutes)
        assert new_due.tzinfo is calendar.tz
