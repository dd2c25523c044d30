"""Rule v1: due dates, restarts, pauses and completion states, with their explanations.

The conventions are documented in the package docstring of `dossiers.deadlines`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from ._convert import _US, _US_PER_HOUR, _fmt_date, _hours_to_us, _time_us, _to_amount, _us_of_day
from .calendar import _MAX_ORDINAL, VIETNAM_TZ, NaiveDatetimeError, WorkCalendar

RULE_VERSION = "v1"
HOURS_PER_WORKING_DAY = 8
CUTOFF_TIME = time(15, 0)
# "Less than one working day remains" (DESIGN.md) measured in working time, not wall-clock time.
DUE_SOON_WORKING_SECONDS = HOURS_PER_WORKING_DAY * 3600


class TimeUnit(StrEnum):
    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"
    CALENDAR_DAYS = "calendar_days"


# ---- due dates --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Due:
    """A computed due time with every input needed to explain or recompute it."""

    due_at: datetime
    starts_at: datetime
    received_at: datetime
    amount: Decimal
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
    amount: Decimal | int | float,
    unit: str,
    *,
    cutoff: bool,
    calendar: WorkCalendar,
) -> Due:
    """Due time for a dossier received at ``received_at`` with a limit of ``amount`` ``unit``."""
    return _compute(received_at, amount, unit, cutoff, calendar, resubmitted=False)


def restart_due(
    resumed_at: datetime,
    amount: Decimal | int | float,
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
    if type(amount) is int and amount >= 0:
        # Whole numbers are the common case; they skip the Decimal checks.
        quantity = Decimal(amount)
        whole: int | None = amount
    else:
        quantity = _to_amount(amount, "amount")
        whole = int(quantity) if quantity == quantity.to_integral_value() else None
    local = calendar._local(received_at, "received_at")
    o = local.toordinal()
    u_received = _us_of_day(local)
    table = calendar._table
    if table is None or not table.lo <= o < table.hi:
        table = calendar._covering(o, o)
    # Explanation texts come from per-day labels: formatting the three datetimes would otherwise
    # be the most expensive step of the whole computation.
    received_text = f"{_HH_MM[u_received // _US_PER_MINUTE]} {table.day_labels[o - table.lo]}"

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
    if time_unit is TimeUnit.WORKING_DAYS and whole is not None:
        table, k, u_due = calendar._days_from(table, i, u, whole)
    elif time_unit is TimeUnit.CALENDAR_DAYS:
        if whole is None:
            raise ValueError(f"calendar_days needs a whole number of days, got {quantity}.")
        last_o = table.days[i] + whole
        if last_o > _MAX_ORDINAL:
            raise ValueError("The due date is beyond the supported date range.")
        last_day = date.fromordinal(last_o)
        table = calendar._covering(last_o, last_o)
        k = table.first[last_o - table.lo]
        table = calendar._ensure_index(table, k)
        u_due = table.profiles[k].close
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
            received_text,
            starts_text,
            due_text,
            quantity,
            whole,
            time_unit,
            start_kind,
            last_day,
            due_at.date() != last_day,
            resubmitted,
        ),
    )


def resume_due(
    due_at: datetime,
    paused_at: datetime,
    resumed_at: datetime,
    *,
    calendar: WorkCalendar,
) -> datetime:
    """Pause policy: the working time left at the pause is walked again from the resumption.

    If no working time was left at the pause (paused at or after the due time, or during the break
    right before it), the due time stays where it was: a supplement request cannot revive a
    deadline that had already run out. If no working time passes during the pause (same moment,
    or a pause over a night or weekend), the due time is returned unchanged as well.
    """
    due = calendar._local(due_at, "due_at")
    paused = calendar._local(paused_at, "paused_at")
    resumed = calendar._local(resumed_at, "resumed_at")
    if resumed < paused:
        raise ValueError(
            f"resumed_at {resumed.isoformat()} is before paused_at {paused.isoformat()}."
        )
    if paused >= due:
        return due
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
    if completed > due:
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


def _explain(
    received: str,
    starts: str,
    due: str,
    amount: Decimal,
    whole: int | None,
    unit: TimeUnit,
    start_kind: int,
    last_day: date | None,
    moved: bool,
    resubmitted: bool,
) -> str:
    if resubmitted:
        intro = f"Nhận hồ sơ bổ sung lúc {received}; thời hạn được tính lại từ đầu."
    else:
        intro = f"Tiếp nhận hồ sơ lúc {received}."
    if start_kind == _START_IN_SESSION:
        start = f"Thời hạn bắt đầu tính từ {starts}."
    elif start_kind == _START_AFTER_CUTOFF:
        start = (
            f"Hồ sơ nhận sau 15:00 nên thời hạn bắt đầu tính từ {starts}, "
            "đầu ngày làm việc tiếp theo."
        )
    else:
        start = (
            f"Thời điểm này ngoài giờ làm việc nên thời hạn bắt đầu tính từ {starts}, "
            "đầu phiên làm việc tiếp theo."
        )
    number = str(whole) if whole is not None else _fmt_number(amount)
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
    else:
        last = _fmt_date(last_day)
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
