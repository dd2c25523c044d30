"""Dated cases for the rule v1 units of dossiers.deadlines on the 2026 calendar of the notices."""

import pickle
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from dossiers.deadlines import (
    DEFAULT_SESSIONS,
    RULE_VERSION,
    VIETNAM_TZ,
    NaiveDatetimeError,
    Session,
    TimeUnit,
    WorkCalendar,
    classify_completion,
    compute_due,
    open_state,
    restart_due,
    resume_due,
)

WD = "working_days"
WH = "working_hours"
CD = "calendar_days"

# 2026 for public servants: New Year; Tết Mon 16/2 - Fri 20/2 (off Sat 14/2 - Sun 22/2 with the
# weekends); Hùng Kings observed Mon 27/4 (26/4 is a Sunday); 30/4; 1/5; National Day Tue 1/9 and
# Wed 2/9 plus Mon 31/8 swapped with the make-up Saturday 22/8.
DAYS_OFF_2026 = [
    date(2026, 1, 1),
    *(date(2026, 2, day) for day in range(16, 21)),
    date(2026, 4, 27),
    date(2026, 4, 30),
    date(2026, 5, 1),
    date(2026, 8, 31),
    date(2026, 9, 1),
    date(2026, 9, 2),
]
MAKE_UP_2026 = [date(2026, 8, 22)]
CAL = WorkCalendar.default(days_off=DAYS_OFF_2026, extra_working_days=MAKE_UP_2026)
UTC_ZONE = ZoneInfo("UTC")


def vn(year, month, day, hour=0, minute=0, second=0, microsecond=0):
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=VIETNAM_TZ)


def utc(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# (received, amount, unit, cutoff, expected starts_at, expected due_at)
COMPUTE_CASES = {
    # -- start of counting -------------------------------------------------------------------
    "in-session-3wd": (vn(2026, 3, 3, 9, 15), 3, WD, True, vn(2026, 3, 3, 9, 15), vn(2026, 3, 6, 9, 15)),
    "before-opening-3wd-closes-day-D+2": (vn(2026, 3, 3, 6, 30), 3, WD, True, vn(2026, 3, 3, 7), vn(2026, 3, 5, 17)),
    "before-opening-1wd-same-day-close": (vn(2026, 3, 4, 6, 59), 1, WD, True, vn(2026, 3, 4, 7), vn(2026, 3, 4, 17)),
    "after-hours-evening": (vn(2026, 3, 3, 18, 40), 3, WD, False, vn(2026, 3, 4, 7), vn(2026, 3, 6, 17)),
    "friday-exactly-at-close": (vn(2026, 3, 6, 17), 1, WD, False, vn(2026, 3, 9, 7), vn(2026, 3, 9, 17)),
    "lunch-break-due-at-morning-close": (vn(2026, 3, 3, 12, 10), 2, WD, False, vn(2026, 3, 3, 13, 30), vn(2026, 3, 5, 11, 30)),
    "exactly-at-1130": (vn(2026, 3, 3, 11, 30), 1, WD, False, vn(2026, 3, 3, 13, 30), vn(2026, 3, 4, 11, 30)),
    # -- the 15:00 cut-off: 15:00:00 is not "after 15:00" -----------------------------------------
    "cutoff-at-1500-keeps-the-day": (vn(2026, 3, 3, 15), 1, WD, True, vn(2026, 3, 3, 15), vn(2026, 3, 4, 15)),
    "cutoff-at-1501-next-day": (vn(2026, 3, 3, 15, 1), 1, WD, True, vn(2026, 3, 4, 7), vn(2026, 3, 4, 17)),
    "cutoff-at-15-00-01": (vn(2026, 3, 3, 15, 0, 1), 1, WD, True, vn(2026, 3, 4, 7), vn(2026, 3, 4, 17)),
    "no-cutoff-at-1501": (vn(2026, 3, 3, 15, 1), 1, WD, False, vn(2026, 3, 3, 15, 1), vn(2026, 3, 4, 15, 1)),
    "no-cutoff-at-1500": (vn(2026, 3, 3, 15), 1, WD, False, vn(2026, 3, 3, 15), vn(2026, 3, 4, 15)),
    "friday-1600-cutoff-monday": (vn(2026, 3, 6, 16), 1, WD, True, vn(2026, 3, 9, 7), vn(2026, 3, 9, 17)),
    "friday-1600-no-cutoff": (vn(2026, 3, 6, 16), 1, WD, False, vn(2026, 3, 6, 16), vn(2026, 3, 9, 16)),
    "saturday-receipt": (vn(2026, 3, 7, 10), 2, WD, True, vn(2026, 3, 9, 7), vn(2026, 3, 10, 17)),
    "saturday-1600-cutoff-irrelevant": (vn(2026, 3, 7, 16), 1, WD, True, vn(2026, 3, 9, 7), vn(2026, 3, 9, 17)),
    "new-year-eve-cutoff": (vn(2025, 12, 31, 16), 1, WD, True, vn(2026, 1, 2, 7), vn(2026, 1, 2, 17)),
    "utc-input": (utc(2026, 3, 3, 2, 15), 3, WD, True, vn(2026, 3, 3, 9, 15), vn(2026, 3, 6, 9, 15)),
    "utc-input-previous-utc-day": (utc(2026, 3, 2, 23, 30), 1, WD, True, vn(2026, 3, 3, 7), vn(2026, 3, 3, 17)),
    "zero-working-days-is-start": (vn(2026, 3, 3, 18), 0, WD, False, vn(2026, 3, 4, 7), vn(2026, 3, 4, 7)),
    # -- Tết 2026 ---------------------------------------------------------------------------------
    "tet-3wd-before-holiday": (vn(2026, 2, 12, 10), 3, WD, True, vn(2026, 2, 12, 10), vn(2026, 2, 24, 10)),
    "tet-friday-cutoff": (vn(2026, 2, 13, 15, 30), 1, WD, True, vn(2026, 2, 23, 7), vn(2026, 2, 23, 17)),
    "tet-received-during-holiday": (vn(2026, 2, 18, 9), 5, WD, True, vn(2026, 2, 23, 7), vn(2026, 2, 27, 17)),
    "tet-received-saturday-14-2": (vn(2026, 2, 14, 9), 1, WD, False, vn(2026, 2, 23, 7), vn(2026, 2, 23, 17)),
    "tet-20wd-long-limit": (vn(2026, 2, 2, 10), 20, WD, True, vn(2026, 2, 2, 10), vn(2026, 3, 9, 10)),
    # -- make-up Saturday 22/8 and National Day -----------------------------------------------
    "makeup-saturday-is-next-day": (vn(2026, 8, 21, 10), 1, WD, True, vn(2026, 8, 21, 10), vn(2026, 8, 22, 10)),
    "received-on-makeup-saturday": (vn(2026, 8, 22, 9), 1, WD, True, vn(2026, 8, 22, 9), vn(2026, 8, 24, 9)),
    "makeup-saturday-cutoff": (vn(2026, 8, 22, 15, 30), 1, WD, True, vn(2026, 8, 24, 7), vn(2026, 8, 24, 17)),
    "friday-evening-before-makeup": (vn(2026, 8, 21, 18), 1, WD, False, vn(2026, 8, 22, 7), vn(2026, 8, 22, 17)),
    "across-makeup-5wd": (vn(2026, 8, 20, 14), 5, WD, True, vn(2026, 8, 20, 14), vn(2026, 8, 26, 14)),
    "national-day-2wd": (vn(2026, 8, 28, 10), 2, WD, True, vn(2026, 8, 28, 10), vn(2026, 9, 4, 10)),
    "national-day-cutoff": (vn(2026, 8, 28, 15, 30), 1, WD, True, vn(2026, 9, 3, 7), vn(2026, 9, 3, 17)),
    "received-on-swapped-day-off-31-8": (vn(2026, 8, 31, 10), 1, WD, True, vn(2026, 9, 3, 7), vn(2026, 9, 3, 17)),
    # -- Hùng Kings (observed 27/4), 30/4 and 1/5 -------------------------------------------------
    "hung-kings-30-4-1-5": (vn(2026, 4, 24, 10), 3, WD, True, vn(2026, 4, 24, 10), vn(2026, 5, 4, 10)),
    "hung-kings-friday-cutoff": (vn(2026, 4, 24, 15, 30), 1, WD, True, vn(2026, 4, 28, 7), vn(2026, 4, 28, 17)),
    # -- working hours and fractional working days --------------------------------------------
    "hours-crossing-lunch": (vn(2026, 3, 3, 10), 3, WH, True, vn(2026, 3, 3, 10), vn(2026, 3, 3, 15)),
    "hours-ending-at-lunch-is-1130": (vn(2026, 3, 3, 10), Decimal("1.5"), WH, True, vn(2026, 3, 3, 10), vn(2026, 3, 3, 11, 30)),
    "hours-overnight": (vn(2026, 3, 3, 16), 2, WH, False, vn(2026, 3, 3, 16), vn(2026, 3, 4, 8)),
    "hours-ending-at-close-is-1700": (vn(2026, 3, 3, 15), 2, WH, False, vn(2026, 3, 3, 15), vn(2026, 3, 3, 17)),
    "hours-ending-at-a-later-close": (vn(2026, 3, 3, 15), 10, WH, False, vn(2026, 3, 3, 15), vn(2026, 3, 4, 17)),
    "hours-8-from-opening": (vn(2026, 3, 3, 7), 8, WH, True, vn(2026, 3, 3, 7), vn(2026, 3, 3, 17)),
    "hours-from-lunch": (vn(2026, 3, 3, 12), Decimal("0.5"), WH, True, vn(2026, 3, 3, 13, 30), vn(2026, 3, 3, 14)),
    "hours-45-minutes-across-lunch": (vn(2026, 3, 3, 11), Decimal("0.75"), WH, True, vn(2026, 3, 3, 11), vn(2026, 3, 3, 13, 45)),
    "hours-friday-cutoff": (vn(2026, 3, 6, 15, 30), 4, WH, True, vn(2026, 3, 9, 7), vn(2026, 3, 9, 11)),
    "hours-across-tet": (vn(2026, 2, 13, 16), 2, WH, False, vn(2026, 2, 13, 16), vn(2026, 2, 23, 8)),
    "half-working-day": (vn(2026, 3, 3, 9), Decimal("0.5"), WD, True, vn(2026, 3, 3, 9), vn(2026, 3, 3, 15)),
    "one-and-a-half-working-days": (vn(2026, 3, 3, 15), Decimal("1.5"), WD, False, vn(2026, 3, 3, 15), vn(2026, 3, 5, 9)),
    # -- calendar days (Civil Code 2015 Art. 147-148) -----------------------------------------
    "calendar-days-weekday": (vn(2026, 3, 2, 10), 3, CD, True, vn(2026, 3, 2, 10), vn(2026, 3, 5, 17)),
    "calendar-days-end-on-saturday": (vn(2026, 3, 2, 10), 5, CD, True, vn(2026, 3, 2, 10), vn(2026, 3, 9, 17)),
    "calendar-days-end-on-30-4": (vn(2026, 4, 22, 10), 8, CD, True, vn(2026, 4, 22, 10), vn(2026, 5, 4, 17)),
    "calendar-days-end-in-tet": (vn(2026, 2, 9, 10), 7, CD, True, vn(2026, 2, 9, 10), vn(2026, 2, 23, 17)),
    "calendar-days-end-on-makeup-saturday": (vn(2026, 8, 17, 9), 5, CD, True, vn(2026, 8, 17, 9), vn(2026, 8, 22, 17)),
    "calendar-days-end-on-31-8": (vn(2026, 8, 24, 10), 7, CD, True, vn(2026, 8, 24, 10), vn(2026, 9, 3, 17)),
    "calendar-days-after-hours": (vn(2026, 3, 6, 18), 2, CD, False, vn(2026, 3, 9, 7), vn(2026, 3, 11, 17)),
    "calendar-days-zero": (vn(2026, 3, 3, 10), 0, CD, True, vn(2026, 3, 3, 10), vn(2026, 3, 3, 17)),
}  # fmt: skip


@pytest.mark.parametrize(
    ("received", "amount", "unit", "cutoff", "starts", "due"),
    list(COMPUTE_CASES.values()),
    ids=list(COMPUTE_CASES),
)
def test_compute_due(received, amount, unit, cutoff, starts, due):
    result = compute_due(received, amount, unit, cutoff=cutoff, calendar=CAL)

    assert (result.starts_at, result.due_at) == (starts, due)
    assert result.due_at.tzinfo is VIETNAM_TZ
    assert result.starts_at.tzinfo is VIETNAM_TZ


def test_due_records_every_input():
    result = compute_due(utc(2026, 3, 3, 2, 15), 3, WD, cutoff=True, calendar=CAL)

    assert result.received_at == vn(2026, 3, 3, 9, 15)
    assert result.received_at.tzinfo is VIETNAM_TZ
    assert result.amount == Decimal(3)
    assert isinstance(result.amount, Decimal)
    assert result.unit == "working_days"
    assert result.unit == TimeUnit.WORKING_DAYS
    assert result.cutoff is True
    assert result.rule_version == RULE_VERSION
    assert result.calendar_fingerprint == CAL.fingerprint


def test_restart_due_counts_full_limit_from_resubmission():
    result = restart_due(vn(2026, 2, 13, 15, 30), 2, WD, cutoff=True, calendar=CAL)

    assert (result.starts_at, result.due_at) == (vn(2026, 2, 23, 7), vn(2026, 2, 24, 17))
    assert "bổ sung" in result.explanation


EXPLANATION_CASES = {
    "cutoff": (
        (vn(2026, 2, 13, 15, 30), 1, WD, True),
        ["15:30 13/02/2026", "sau 15:00", "07:00 23/02/2026", "Hạn trả kết quả: 17:00 23/02/2026"],
    ),
    "outside-hours": (
        (vn(2026, 3, 3, 12, 10), 2, WD, False),
        ["12:10 03/03/2026", "ngoài giờ làm việc", "13:30 03/03/2026", "11:30 05/03/2026"],
    ),
    "utc-receipt-shown-in-local-time": (
        (utc(2026, 3, 3, 2, 15), 3, WD, True),
        ["Tiếp nhận hồ sơ lúc 09:15 03/03/2026", "3 ngày làm việc", "09:15 06/03/2026"],
    ),
    "fractional-working-days": (
        (vn(2026, 3, 3, 9), Decimal("0.5"), WD, True),
        ["0,5 ngày làm việc", "4 giờ làm việc", "15:00 03/03/2026"],
    ),
    "working-hours": (
        (vn(2026, 3, 3, 10), 3, WH, True),
        ["3 giờ làm việc", "15:00 03/03/2026"],
    ),
    "calendar-days-moved-art-148": (
        (vn(2026, 4, 22, 10), 8, CD, True),
        ["8 ngày", "30/04/2026", "Điều 148", "17:00 04/05/2026"],
    ),
}


@pytest.mark.parametrize(
    ("args", "fragments"), list(EXPLANATION_CASES.values()), ids=list(EXPLANATION_CASES)
)
def test_explanation_in_vietnamese(args, fragments):
    received, amount, unit, cutoff = args

    explanation = compute_due(received, amount, unit, cutoff=cutoff, calendar=CAL).explanation

    for fragment in fragments:
        assert fragment in explanation


def test_explanation_does_not_cite_art_148_when_the_last_day_is_a_working_day():
    explanation = compute_due(vn(2026, 3, 2, 10), 3, CD, cutoff=True, calendar=CAL).explanation

    assert "Điều 148" not in explanation
    assert "05/03/2026" in explanation


NEXT_MOMENT_CASES = {
    "inside-session": (vn(2026, 3, 3, 10), vn(2026, 3, 3, 10)),
    "at-opening": (vn(2026, 3, 3, 7), vn(2026, 3, 3, 7)),
    "last-second-of-morning": (vn(2026, 3, 3, 11, 29, 59), vn(2026, 3, 3, 11, 29, 59)),
    "at-morning-end": (vn(2026, 3, 3, 11, 30), vn(2026, 3, 3, 13, 30)),
    "at-close": (vn(2026, 3, 3, 17), vn(2026, 3, 4, 7)),
    "friday-before-tet": (vn(2026, 2, 13, 17, 30), vn(2026, 2, 23, 7)),
    "friday-before-makeup-saturday": (vn(2026, 8, 21, 18), vn(2026, 8, 22, 7)),
    "makeup-saturday-lunch": (vn(2026, 8, 22, 11, 30), vn(2026, 8, 22, 13, 30)),
    "sunday-before-national-day": (vn(2026, 8, 30, 9), vn(2026, 9, 3, 7)),
    "utc-midnight-is-local-opening": (utc(2026, 3, 3, 0, 0), vn(2026, 3, 3, 7)),
    "new-year-eve-night": (vn(2025, 12, 31, 23), vn(2026, 1, 2, 7)),
}


@pytest.mark.parametrize(
    ("at", "expected"), list(NEXT_MOMENT_CASES.values()), ids=list(NEXT_MOMENT_CASES)
)
def test_next_working_moment(at, expected):
    result = CAL.next_working_moment(at)

    assert result == expected
    assert result.tzinfo is VIETNAM_TZ


WORKING_DAY_CASES = {
    "makeup-saturday-22-8": (date(2026, 8, 22), True),
    "ordinary-saturday-29-8": (date(2026, 8, 29), False),
    "swapped-monday-31-8": (date(2026, 8, 31), False),
    "national-day-1-9": (date(2026, 9, 1), False),
    "national-day-2-9": (date(2026, 9, 2), False),
    "after-national-day-3-9": (date(2026, 9, 3), True),
    "tet-17-2": (date(2026, 2, 17), False),
    "tet-sunday-22-2": (date(2026, 2, 22), False),
    "after-tet-23-2": (date(2026, 2, 23), True),
    "hung-kings-observed-27-4": (date(2026, 4, 27), False),
    "after-hung-kings-28-4": (date(2026, 4, 28), True),
    "new-year-1-1": (date(2026, 1, 1), False),
    "after-new-year-2-1": (date(2026, 1, 2), True),
}


@pytest.mark.parametrize(
    ("day", "expected"), list(WORKING_DAY_CASES.values()), ids=list(WORKING_DAY_CASES)
)
def test_is_working_day(day, expected):
    assert CAL.is_working_day(day) is expected
    assert bool(CAL.sessions_on(day)) is expected


def test_sessions_on_makeup_day_and_day_off():
    assert CAL.sessions_on(date(2026, 8, 22)) == DEFAULT_SESSIONS
    assert CAL.sessions_on(date(2026, 8, 31)) == ()


BETWEEN_CASES = {
    "one-hour": (vn(2026, 3, 3, 9), vn(2026, 3, 3, 10), 3600),
    "across-lunch": (vn(2026, 3, 3, 11), vn(2026, 3, 3, 14), 3600),
    "full-day": (vn(2026, 3, 3, 7), vn(2026, 3, 3, 17), 28800),
    "night-only": (vn(2026, 3, 3, 17), vn(2026, 3, 4, 7), 0),
    "across-tet": (vn(2026, 2, 13, 16), vn(2026, 2, 23, 8), 7200),
    "makeup-saturday-counts": (vn(2026, 8, 21, 17), vn(2026, 8, 24, 7), 28800),
    "end-before-start": (vn(2026, 3, 4), vn(2026, 3, 3), 0),
    "utc-and-local": (utc(2026, 3, 3, 2, 0), vn(2026, 3, 3, 10), 3600),
    "whole-week": (vn(2026, 3, 2), vn(2026, 3, 9), 5 * 28800),
}


@pytest.mark.parametrize(
    ("start", "end", "expected"), list(BETWEEN_CASES.values()), ids=list(BETWEEN_CASES)
)
def test_working_seconds_between(start, end, expected):
    assert CAL.working_seconds_between(start, end) == expected


def test_add_working_days_skips_tet():
    assert CAL.add_working_days(vn(2026, 2, 13, 10), 1) == vn(2026, 2, 23, 10)


def test_add_working_hours_from_session_end_starts_after_lunch():
    assert CAL.add_working_hours(vn(2026, 3, 3, 11, 30), 1) == vn(2026, 3, 3, 14, 30)


def test_short_makeup_day_clamps_position_and_breaks_additivity():
    """A half-day make-up Saturday clamps the position to its close, so n + m != n then m."""
    calendar = WorkCalendar.default(
        extra_working_days={date(2026, 3, 7): (Session(time(7), time(11, 30)),)}
    )

    first = calendar.add_working_days(vn(2026, 3, 6, 15), 1)

    assert first == vn(2026, 3, 7, 11, 30)
    assert calendar.add_working_days(first, 1) == vn(2026, 3, 9, 17)
    assert calendar.add_working_days(vn(2026, 3, 6, 15), 2) == vn(2026, 3, 9, 15)


# (due_at, paused_at, resumed_at, expected new due)
RESUME_CASES = {
    "pause-across-tet": (vn(2026, 2, 9, 10), vn(2026, 2, 5, 10), vn(2026, 2, 13, 10), vn(2026, 2, 24, 10)),
    "resumed-on-saturday": (vn(2026, 3, 10, 9), vn(2026, 3, 6, 16), vn(2026, 3, 14, 10), vn(2026, 3, 17, 10)),
    "one-working-day-pause": (vn(2026, 3, 6, 9, 15), vn(2026, 3, 3, 10), vn(2026, 3, 4, 10), vn(2026, 3, 9, 9, 15)),
    "pause-across-national-day": (vn(2026, 8, 28, 14), vn(2026, 8, 27, 14), vn(2026, 8, 28, 14), vn(2026, 9, 3, 14)),
    "zero-pause": (vn(2026, 3, 6, 9, 15), vn(2026, 3, 3, 10), vn(2026, 3, 3, 10), vn(2026, 3, 6, 9, 15)),
    "pause-over-weekend-no-working-time": (vn(2026, 3, 10, 9), vn(2026, 3, 6, 17, 30), vn(2026, 3, 9, 6, 45), vn(2026, 3, 10, 9)),
    "paused-after-due-stays-overdue": (vn(2026, 3, 6, 9, 15), vn(2026, 3, 6, 10), vn(2026, 3, 12, 10), vn(2026, 3, 6, 9, 15)),
    "nothing-left-at-pause": (vn(2026, 3, 3, 13, 30), vn(2026, 3, 3, 12), vn(2026, 3, 4, 12), vn(2026, 3, 3, 13, 30)),
}  # fmt: skip


@pytest.mark.parametrize(
    ("due", "paused", "resumed", "expected"),
    list(RESUME_CASES.values()),
    ids=list(RESUME_CASES),
)
def test_resume_due(due, paused, resumed, expected):
    assert resume_due(due, paused, resumed, calendar=CAL) == expected


DUE = vn(2026, 3, 6, 9, 15)
CLASSIFY_CASES = {
    "same-minute": (vn(2026, 3, 6, 9, 15), DUE, "on_time"),
    "one-minute-after": (vn(2026, 3, 6, 9, 16), DUE, "late"),
    "one-microsecond-after": (vn(2026, 3, 6, 9, 15, 0, 1), DUE, "late"),
    "same-day-earlier-time": (vn(2026, 3, 6, 8), DUE, "on_time"),
    "same-day-before-opening": (vn(2026, 3, 6, 6), DUE, "on_time"),
    "earlier-day": (vn(2026, 3, 5, 16, 59), DUE, "early"),
    "earlier-day-late-evening": (vn(2026, 3, 5, 23, 59), DUE, "early"),
    "utc-date-differs-local-same-day": (utc(2026, 3, 5, 23, 30), DUE, "on_time"),
    "utc-local-previous-day": (utc(2026, 3, 5, 16, 59), DUE, "early"),
    "next-working-day": (vn(2026, 3, 9, 8), DUE, "late"),
    "at-close-due": (vn(2026, 3, 5, 17), vn(2026, 3, 5, 17), "on_time"),
    "minute-after-close-due": (vn(2026, 3, 5, 17, 1), vn(2026, 3, 5, 17), "late"),
}


@pytest.mark.parametrize(
    ("completed", "due", "expected"), list(CLASSIFY_CASES.values()), ids=list(CLASSIFY_CASES)
)
def test_classify_completion(completed, due, expected):
    assert classify_completion(completed, due) == expected


OPEN_CASES = {
    "three-days-left": (vn(2026, 3, 3, 9), DUE, "within"),
    "exactly-one-working-day-left": (vn(2026, 3, 5, 9, 15), DUE, "within"),
    "one-minute-less-than-a-day": (vn(2026, 3, 5, 9, 16), DUE, "due_soon"),
    "at-due": (DUE, DUE, "due_soon"),
    "one-minute-after-due": (vn(2026, 3, 6, 9, 16), DUE, "overdue"),
    "weekend-is-not-working-time": (vn(2026, 3, 6, 11), vn(2026, 3, 9, 10), "due_soon"),
    "two-days-across-tet": (vn(2026, 2, 13, 10), vn(2026, 2, 24, 10), "within"),
    "ten-calendar-days-but-four-hours": (vn(2026, 2, 13, 16), vn(2026, 2, 23, 10), "due_soon"),
}


@pytest.mark.parametrize(
    ("now", "due", "expected"), list(OPEN_CASES.values()), ids=list(OPEN_CASES)
)
def test_open_state(now, due, expected):
    assert open_state(now, due, calendar=CAL) == expected


NAIVE = datetime(2026, 3, 3, 10)  # naive on purpose: the point of these cases
AWARE = vn(2026, 3, 3, 10)
NAIVE_CALLS = {
    "compute_due": lambda: compute_due(NAIVE, 1, WD, cutoff=True, calendar=CAL),
    "restart_due": lambda: restart_due(NAIVE, 1, WD, cutoff=True, calendar=CAL),
    "next_working_moment": lambda: CAL.next_working_moment(NAIVE),
    "add_working_days": lambda: CAL.add_working_days(NAIVE, 1),
    "add_working_hours": lambda: CAL.add_working_hours(NAIVE, 1),
    "working_seconds_between": lambda: CAL.working_seconds_between(AWARE, NAIVE),
    "resume_due": lambda: resume_due(AWARE, NAIVE, AWARE, calendar=CAL),
    "classify_completion": lambda: classify_completion(NAIVE, AWARE),
    "open_state": lambda: open_state(AWARE, NAIVE, calendar=CAL),
}


@pytest.mark.parametrize("call", list(NAIVE_CALLS.values()), ids=list(NAIVE_CALLS))
def test_naive_datetime_raises(call):
    with pytest.raises(NaiveDatetimeError, match="timezone-aware"):
        call()


def test_naive_datetime_error_is_a_value_error():
    assert issubclass(NaiveDatetimeError, ValueError)


# (call, fragment of the error message)
INVALID_CALLS = {
    "negative-working-days": (
        lambda: compute_due(AWARE, -1, WD, cutoff=True, calendar=CAL),
        "must not be negative",
    ),
    "negative-hours": (
        lambda: compute_due(AWARE, Decimal("-0.5"), WH, cutoff=True, calendar=CAL),
        "must not be negative",
    ),
    "negative-calendar-days": (
        lambda: compute_due(AWARE, -3, CD, cutoff=True, calendar=CAL),
        "must not be negative",
    ),
    "nan-amount": (
        lambda: compute_due(AWARE, float("nan"), WH, cutoff=True, calendar=CAL),
        "must be finite",
    ),
    "unknown-unit": (
        lambda: compute_due(AWARE, 1, "weeks", cutoff=True, calendar=CAL),
        "Unknown time unit",
    ),
    "fractional-calendar-days": (
        lambda: compute_due(AWARE, Decimal("1.5"), CD, cutoff=True, calendar=CAL),
        "whole number of days",
    ),
    "add-negative-days": (lambda: CAL.add_working_days(AWARE, -1), "must not be negative"),
    "add-negative-hours": (lambda: CAL.add_working_hours(AWARE, -1), "must not be negative"),
    "resumed-before-paused": (
        lambda: resume_due(vn(2026, 3, 6), vn(2026, 3, 4), vn(2026, 3, 3), calendar=CAL),
        "is before paused_at",
    ),
    "date-both-off-and-extra": (
        lambda: WorkCalendar.default(
            days_off=[date(2026, 8, 22)], extra_working_days=[date(2026, 8, 22)]
        ),
        "both off and extra working days: 2026-08-22",
    ),
    "session-end-before-start": (
        lambda: Session(time(12), time(11)),
        "must be before its end",
    ),
    "overlapping-sessions": (
        lambda: WorkCalendar(weekly={0: (Session(time(7), time(12)), Session(time(11), time(17)))}),
        "overlap",
    ),
    "weekday-out-of-range": (
        lambda: WorkCalendar(weekly={7: DEFAULT_SESSIONS}),
        "weekly keys are weekdays",
    ),
}


@pytest.mark.parametrize(("call", "message"), list(INVALID_CALLS.values()), ids=list(INVALID_CALLS))
def test_invalid_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_fingerprint_is_pinned_and_ignores_input_order():
    shuffled = WorkCalendar.default(
        days_off=list(reversed(DAYS_OFF_2026)),
        extra_working_days={date(2026, 8, 22): DEFAULT_SESSIONS},
    )

    assert shuffled.fingerprint == CAL.fingerprint
    assert shuffled == CAL
    assert hash(shuffled) == hash(CAL)
    # Stored due dates refer to this value; changing the canonical form orphans them.
    assert WorkCalendar.default().fingerprint == "23d79c14c0a9234f"


def test_fingerprint_changes_with_any_calendar_data():
    one_more_day_off = WorkCalendar.default(
        days_off=[*DAYS_OFF_2026, date(2026, 11, 24)], extra_working_days=MAKE_UP_2026
    )
    no_makeup = WorkCalendar.default(days_off=DAYS_OFF_2026)
    other_zone = WorkCalendar.default(
        days_off=DAYS_OFF_2026, extra_working_days=MAKE_UP_2026, tz=UTC_ZONE
    )

    fingerprints = {CAL.fingerprint, one_more_day_off.fingerprint, no_makeup.fingerprint}
    assert len(fingerprints | {other_zone.fingerprint}) == 4
    assert one_more_day_off != CAL


def test_calendar_is_immutable():
    with pytest.raises(AttributeError):
        CAL.tz = UTC_ZONE
    with pytest.raises(AttributeError):
        CAL._table = None
    with pytest.raises(TypeError):
        CAL.extra_working_days[date(2026, 8, 29)] = DEFAULT_SESSIONS


def test_calendar_survives_pickling():
    clone = pickle.loads(pickle.dumps(CAL))  # noqa: S301 - bytes made two lines up

    assert clone == CAL
    assert clone.fingerprint == CAL.fingerprint
    assert clone.add_working_days(vn(2026, 2, 13, 10), 1) == vn(2026, 2, 23, 10)


def test_dates_far_from_the_first_query_extend_the_precomputed_range():
    calendar = WorkCalendar.default()

    assert calendar.add_working_days(vn(2026, 3, 3, 10), 1) == vn(2026, 3, 4, 10)
    # 2100-03-01 is a Monday; 1990-01-01 is a Monday.
    assert calendar.add_working_days(vn(2100, 3, 1, 10), 5) == vn(2100, 3, 8, 10)
    assert calendar.add_working_days(vn(1990, 1, 1, 10), 5) == vn(1990, 1, 8, 10)
    assert calendar.working_seconds_between(vn(1990, 1, 1), vn(1990, 1, 8)) == 5 * 28800
