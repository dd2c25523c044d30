"""Rule v2: due dates, restarts, pauses and completion states, with their explanations.

The conventions are documented in the package docstring of `dossiers.deadlines`.
"""

from __future__ import annotations

import calendar as _gregorian
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from ._convert import _US, _US_PER_HOUR, _fmt_date, _hours_to_us, _time_us, _to_amount, _us_of_day
from .calendar import _MAX_ORDINAL, VIETNAM_TZ, NaiveDatetimeError, WorkCalendar

# v2 adds the units hours, months, within_day and not_stated; the three units of v1 give the same
# results as under v1, and due dates stored under v1 are never recomputed.
RULE_VERSION = "v2"
HOURS_PER_WORKING_DAY = 8
CUTOFF_TIME = time(15, 0)
# "Less than one working day remains" (DESIGN.md) measured in working time, not wall-clock time.
DUE_SOON_WORKING_SECONDS = HOURS_PER_WORKING_DAY * 3600


class TimeUnit(StrEnum):
    """The values of `procedures.choices.TimeUnit`."""

    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"
    CALENDAR_DAYS = "calendar_days"
    HOURS = "hours"
    MONTHS = "months"
    WITHIN_DAY = "within_day"
    NOT_STATED = "not_stated"


class NoTimeLimitError(ValueError):
    """The procedure states no time limit (unit ``not_stated``), so no due date exists."""


# ---- due dates --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Due:
    """A computed due time with every input needed to explain or recompute it."""

    due_at: datetime
    starts_at: datetime
    received_at: datetime
    amount: Decimal | None  # None for within_day, whose limit has no amount
    unit: str
    cutoff: bool
    rule_version: str
    calendar_fingerprint: str
    explanation: str


_START_IN_SESSION = 0
_START_OUTSIDE_HOURS = 1
_START_AFTER_CUTOFF = 2
_CUTOFF_US = _time_us(CUTOFF_TIME)
_UNITS = {unit.value: unit for unit in TimeUnit}


def compute_due(
    received_at: datetime,
    amount: Decimal | int | float | None,
    unit: str,
    *,
    cutoff: bool,
    calendar: WorkCalendar,
) -> Due:
    """Due time for a dossier received at ``received_at`` with a limit of ``amount`` ``unit``.

    ``amount`` may be None for ``within_day`` (it is ignored there). Raises NoTimeLimitError for
    ``not_stated`` and ValueError for any other invalid input.
    """
    return _compute(received_at, amount, unit, cutoff, calendar, resubmitted=False)


def restart_due(
    resumed_at: datetime,
    amount: Decimal | int | float | None,
    unit: str,
    *,
    cutoff: bool,
    calendar: WorkCalendar,
) -> Due:
    """Restart policy: the full limit counts again from the resubmission, exactly like a receipt."""
    return _compute(resumed_at, amount, unit, cutoff, calendar, resubmitted=True)


def _compute(
    received_at, amount, unit, cutoff, calendar: WorkCalendar, *, resubmitted: bool
) -> Due:
    time_unit = _UNITS.get(unit)
    if time_unit is None:
        raise ValueError(f"Unknown time unit {unit!r}; expected one of {', '.join(_UNITS)}.")
    quantity: Decimal | None
    if type(amount) is int and amount >= 0:
        # Whole numbers are the common case; they skip the Decimal checks.
        quantity = Decimal(amount)
        whole: int | None = amount
    elif time_unit is TimeUnit.WITHIN_DAY or time_unit is TimeUnit.NOT_STATED:
        quantity = whole = None
    elif amount is None:
        raise ValueError(f"The time unit {time_unit.value} needs an amount, got None.")
    else:
        quantity = _to_amount(amount, "amount")
        whole = int(quantity) if quantity == quantity.to_integral_value() else None
    if time_unit is TimeUnit.NOT_STATED:
        raise NoTimeLimitError(
            "The procedure states no time limit (unit 'not_stated'), so no due date can be "
            "computed; a dossier of it cannot be received until a time limit is set."
        )
    if time_unit is TimeUnit.WITHIN_DAY:
        # The limit is the day itself: an amount given with it is not part of the rule.
        quantity = whole = None
    local = calendar._local(received_at, "received_at")
    o = local.toordinal()
    u_received = _us_of_day(local)
    table = calendar._table
    if table is None or not table.lo <= o < table.hi:
        table = calendar._covering(o, o)
    # Explanation texts come from per-day labels: formatting the three datetimes would otherwise
    # be the most expensive step of the whole computation.
    received_text = f"{_HH_MM[u_received // _US_PER_MINUTE]} {table.day_labels[o - table.lo]}"

    if time_unit is TimeUnit.HOURS:
        return _clock_hours_due(
            local, received_text, quantity, whole, cutoff, calendar, resubmitted=resubmitted
        )

    i = table.first[o - table.lo]
    # Strictly later than 15:00:00 (see module docstring); only a working day has a cut-off.
    if cutoff and u_received > _CUTOFF_US and i < len(table.days) and table.days[i] == o:
        i += 1
        table = calendar._ensure_index(table, i)
        u = table.profiles[i].opening
        start_kind = _START_AFTER_CUTOFF
    else:
        table, i, u = calendar._next_working(table, o, u_received)
        in_session = table.days[i] == o and u == u_received
        start_kind = _START_IN_SESSION if in_session else _START_OUTSIDE_HOURS
    starts_at = table.midnights[i] + timedelta(0, 0, u)
    starts_text = f"{_HH_MM[u // _US_PER_MINUTE]} {table.day_labels[table.days[i] - table.lo]}"

    last_day = None
    clamped = False
    if time_unit is TimeUnit.WORKING_DAYS and whole is not None:
        table, k, u_due = calendar._days_from(table, i, u, whole)
    elif time_unit is TimeUnit.CALENDAR_DAYS or time_unit is TimeUnit.MONTHS:
        if whole is None:
            what = "days" if time_unit is TimeUnit.CALENDAR_DAYS else "months"
            raise ValueError(f"{time_unit.value} needs a whole number of {what}, got {quantity}.")
        if time_unit is TimeUnit.CALENDAR_DAYS:
            last_o = table.days[i] + whole
            if last_o > _MAX_ORDINAL:
                raise ValueError("The due date is beyond the supported date range.")
            last_day = date.fromordinal(last_o)
        else:
            last_day, clamped = _add_months(date.fromordinal(table.days[i]), whole)
            last_o = last_day.toordinal()
        table = calendar._covering(last_o, last_o)
        k = table.first[last_o - table.lo]
        table = calendar._ensure_index(table, k)
        u_due = table.profiles[k].close
    elif time_unit is TimeUnit.WITHIN_DAY:
        k, u_due = i, table.profiles[i].close
    elif time_unit is TimeUnit.WORKING_HOURS:
        us = whole * _US_PER_HOUR if whole is not None else _hours_to_us(quantity)
        table, k, u_due = calendar._walk(table, i, u, us)
    else:
        us = _hours_to_us(quantity * HOURS_PER_WORKING_DAY)
        table, k, u_due = calendar._walk(table, i, u, us)
    due_at = table.midnights[k] + timedelta(0, 0, u_due)
    due_text = f"{_HH_MM[u_due // _US_PER_MINUTE]} {table.day_labels[table.days[k] - table.lo]}"

    return Due(
        due_at=due_at,
        starts_at=starts_at,
        received_at=local,
        amount=quantity,
        unit=time_unit,
        cutoff=cutoff,
        rule_version=RULE_VERSION,
        calendar_fingerprint=calendar._fingerprint,
        explanation=_explain(
            _intro(received_text, resubmitted),
            _start_sentence(start_kind, starts_text),
            due_text,
            quantity,
            whole,
            time_unit,
            last_day,
            due_at.date() != last_day,
            clamped,
        ),
    )


def _add_months(start: date, months: int) -> tuple[date, bool]:
    """The day corresponding to ``start`` ``months`` later, or that month's last day (Art. 148).

    Returns the day and whether the month had no corresponding day (the day was clamped).
    """
    years, month_index = divmod(start.month - 1 + months, 12)
    year = start.year + years
    if year > date.max.year:
        raise ValueError("The due date is beyond the supported date range.")
    month = month_index + 1
    last_of_month = _gregorian.monthrange(year, month)[1]
    day = min(start.day, last_of_month)
    return date(year, month, day), day != start.day


def _clock_hours_due(
    local: datetime,
    received_text: str,
    quantity: Decimal,
    whole: int | None,
    cutoff: bool,
    calendar: WorkCalendar,
    *,
    resubmitted: bool,
) -> Due:
    """``hours``: clock hours from the receipt itself, whatever the sessions and the cut-off."""
    us = whole * _US_PER_HOUR if whole is not None else _hours_to_us(quantity)
    try:
        # Added in UTC: wall-clock addition would be off by the shift in a zone with DST.
        due_at = (local.astimezone(UTC) + timedelta(microseconds=us)).astimezone(calendar.tz)
    except OverflowError as exc:
        raise ValueError("The due date is beyond the supported date range.") from exc
    number = str(whole) if whole is not None else _fmt_number(quantity)
    limit = (
        f"Thời hạn giải quyết: {number} giờ, tính theo giờ đồng hồ từ thời điểm tiếp nhận "
        "(kể cả ngoài giờ làm việc và ngày nghỉ)."
    )
    due_text = f"{_HH_MM[due_at.hour * 60 + due_at.minute]} {_fmt_date(due_at.date())}"
    return Due(
        due_at=due_at,
        starts_at=local,
        received_at=local,
        amount=quantity,
        unit=TimeUnit.HOURS,
        cutoff=cutoff,
        rule_version=RULE_VERSION,
        calendar_fingerprint=calendar._fingerprint,
        explanation=(
            f"{_intro(received_text, resubmitted)} {limit} Hạn trả kết quả: {due_text} "
            f"(quy tắc tính thời hạn {RULE_VERSION})."
        ),
    )


def resume_due(
    due_at: datetime,
    paused_at: datetime,
    resumed_at: datetime,
    *,
    calendar: WorkCalendar,
    unit: str | None = None,
) -> datetime:
    """Pause policy: the time left at the pause is counted again from the resumption.

    For every unit but ``hours`` (and when ``unit`` is not given, as in rule v1) the time left is
    working time, walked through the sessions from the resumption. For ``hours`` it is clock
    time: the new due time is the resumption plus the clock time that was left at the pause.

    If no time was left at the pause (paused at or after the due time, or during the break right
    before it), the due time stays where it was: a supplement request cannot revive a deadline
    that had already run out. If no working time passes during the pause (same moment, or a pause
    over a night or weekend), the due time is returned unchanged as well (for ``hours``: if the
    pause lasts no time at all).
    """
    time_unit = None
    if unit is not None:
        time_unit = _UNITS.get(unit)
        if time_unit is None:
            raise ValueError(f"Unknown time unit {unit!r}; expected one of {', '.join(_UNITS)}.")
        if time_unit is TimeUnit.NOT_STATED:
            raise NoTimeLimitError(
                "The procedure states no time limit (unit 'not_stated'), so there is no due "
                "date to resume."
            )
    due = calendar._local(due_at, "due_at")
    paused = calendar._local(paused_at, "paused_at")
    resumed = calendar._local(resumed_at, "resumed_at")
    if resumed < paused:
        raise ValueError(
            f"resumed_at {resumed.isoformat()} is before paused_at {paused.isoformat()}."
        )
    if paused >= due:
        return due
    if time_unit is TimeUnit.HOURS:
        left = due.astimezone(UTC) - paused.astimezone(UTC)
        if resumed == paused:
            return due
        return (resumed.astimezone(UTC) + left).astimezone(calendar.tz)
    o_due, o_paused, o_resumed = due.toordinal(), paused.toordinal(), resumed.toordinal()
    table = calendar._covering(min(o_paused, o_due), max(o_resumed, o_due))
    w_due = calendar._w(table, o_due, _us_of_day(due))
    w_paused = calendar._w(table, o_paused, _us_of_day(paused))
    w_resumed = calendar._w(table, o_resumed, _us_of_day(resumed))
    remaining = w_due - w_paused
    if remaining <= 0 or w_resumed == w_paused:
        return due
    return calendar._walk_from(resumed, remaining)


def classify_completion(
    completed_at: datetime, due_at: datetime, *, tz: ZoneInfo = VIETNAM_TZ
) -> str:
    """``late`` after ``due_at``, ``on_time`` on the due date's local day, else ``early``."""
    completed = _aware(completed_at, "completed_at")
    due = _aware(due_at, "due_at")
    # Compared in UTC: Python compares two datetimes sharing one tzinfo by wall clock, ignoring
    # `fold`, so the repeated hour of a DST change would order them wrongly.
    if completed.astimezone(UTC) > due.astimezone(UTC):
        return "late"
    if completed.astimezone(tz).date() == due.astimezone(tz).date():
        return "on_time"
    return "early"


def open_state(now: datetime, due_at: datetime, *, calendar: WorkCalendar) -> str:
    """``overdue`` after ``due_at``, ``due_soon`` within a working day of it, else ``within``."""
    current = calendar._local(now, "now")
    due = calendar._local(due_at, "due_at")
    if current > due:
        return "overdue"
    if calendar._working_us(current, due) < DUE_SOON_WORKING_SECONDS * _US:
        return "due_soon"
    return "within"


def _aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {value!r}.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(
            f"{name} must be a timezone-aware datetime, got naive {value.isoformat()}; "
            "attach a tzinfo (for example ZoneInfo('Asia/Ho_Chi_Minh')) before computing deadlines."
        )
    return value


_US_PER_MINUTE = 60 * _US
_HH_MM = tuple(f"{h:02d}:{m:02d}" for h in range(24) for m in range(60))


def _fmt_number(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f").replace(".", ",")


def _intro(received: str, resubmitted: bool) -> str:
    if resubmitted:
        return f"Nhận hồ sơ bổ sung lúc {received}; thời hạn được tính lại từ đầu."
    return f"Tiếp nhận hồ sơ lúc {received}."


def _start_sentence(start_kind: int, starts: str) -> str:
    if start_kind == _START_IN_SESSION:
        return f"Thời hạn bắt đầu tính từ {starts}."
    if start_kind == _START_AFTER_CUTOFF:
        return (
            f"Hồ sơ nhận sau 15:00 nên thời hạn bắt đầu tính từ {starts}, "
            "đầu ngày làm việc tiếp theo."
        )
    return (
        f"Thời điểm này ngoài giờ làm việc nên thời hạn bắt đầu tính từ {starts}, "
        "đầu phiên làm việc tiếp theo."
    )


def _explain(
    intro: str,
    start: str,
    due: str,
    amount: Decimal | None,
    whole: int | None,
    unit: TimeUnit,
    last_day: date | None,
    moved: bool,
    clamped: bool,
) -> str:
    number = str(whole) if whole is not None else _fmt_number(amount) if amount is not None else ""
    if unit is TimeUnit.WORKING_DAYS:
        if whole is not None:
            limit = f"Thời hạn giải quyết: {number} ngày làm việc."
        else:
            hours = _fmt_number(amount * HOURS_PER_WORKING_DAY)
            limit = (
                f"Thời hạn giải quyết: {number} ngày làm việc, tức {hours} giờ làm việc "
                f"(mỗi ngày làm việc tính {HOURS_PER_WORKING_DAY} giờ)."
            )
    elif unit is TimeUnit.WORKING_HOURS:
        limit = f"Thời hạn giải quyết: {number} giờ làm việc, tính theo các phiên làm việc."
    elif unit is TimeUnit.WITHIN_DAY:
        limit = (
            "Thời hạn giải quyết: trong ngày, đến hết giờ làm việc của ngày bắt đầu tính thời hạn."
        )
    else:
        last = _fmt_date(last_day)
        if unit is TimeUnit.MONTHS:
            limit = (
                f"Thời hạn giải quyết: {number} tháng (không tính ngày tiếp nhận), "
                f"ngày cuối cùng của thời hạn là {last}"
            )
            if clamped:
                limit += (
                    ", ngày cuối cùng của tháng vì tháng đó không có ngày tương ứng "
                    "(Điều 148 Bộ luật Dân sự 2015)."
                )
            else:
                limit += ", ngày tương ứng của tháng cuối cùng (Điều 148 Bộ luật Dân sự 2015)."
        else:
            limit = (
                f"Thời hạn giải quyết: {number} ngày (tính cả ngày nghỉ), "
                f"ngày cuối cùng của thời hạn là {last}."
            )
        if moved:
            limit += (
                f" Ngày {last} là ngày nghỉ nên thời hạn kết thúc vào cuối ngày làm việc "
                "tiếp theo (Điều 148 Bộ luật Dân sự 2015)."
            )
    return f"{intro} {start} {limit} Hạn trả kết quả: {due} (quy tắc tính thời hạn {RULE_VERSION})."
