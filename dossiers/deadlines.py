"""Due-date arithmetic for dossiers, rule v1 (DESIGN.md, "Deadlines").

Pure Python on purpose: no Django, no database, so every rule can be tested and benchmarked alone
and the service layer only has to load a calendar and store the returned `Due`.

Working time model
------------------
A calendar maps every local date to its working sessions (wall-clock times in the calendar's time
zone). Internally every moment ``t`` gets a working-time coordinate ``W(t)``: the number of working
microseconds from a fixed origin up to ``t``. ``W`` is constant outside sessions, so a receipt at
12:10 and the 13:30 restart of work share one coordinate. All walks happen on ``W``:

* ``working_seconds_between(a, b) == (W(b) - W(a)) // 10**6``.
* A walk of ``x`` working microseconds returns the *earliest* moment ``t`` with
  ``W(t) == W(start) + x``. Consequence (the session-end convention): a walk that exactly uses up a
  session ends at that session's end (11:30, 17:00), never at the start of the next session
  (13:30, 07:00 the next working day). This keeps
  ``working_seconds_between(a, add_working_hours(a, h)) == h * 3600`` and means a due time is never
  later on the wall clock than the working time allows.

Conventions of rule v1
----------------------
* Start: the receipt itself if it lies inside a session ``[start, end)``, otherwise the start of the
  next session. With the procedure's cut-off flag, a receipt on a working day *strictly later* than
  15:00:00 local starts at the first session of the next working day. DESIGN.md says "after 15:00";
  15:00:00 itself is read as "not after", so a citizen served at the stroke of 15:00 keeps the day.
* ``working_days`` (integral N): the start day D has a position ``p`` = working time already elapsed
  in D at the start. The due time is on working day D+N at position ``min(p, length of D+N)`` (a
  shorter day, such as a half-day make-up Saturday, clamps to its close). Position 0, a start at the
  opening, gives the close of D+N-1, as DESIGN.md requires; with the earliest-moment convention
  this is the same formula, because the close of D+N-1 and the opening of D+N share a coordinate.
  On calendars whose working days all have the same length this equals walking N x day length.
  Fractional N (0.5, 1.5 ...) is walked as N x HOURS_PER_WORKING_DAY working hours.
* ``working_hours``: walk the hours through the sessions from the start. Amounts are rounded to
  whole seconds (half to even), so a float such as 1/3 hour does not leak binary noise into a due
  time.
* ``calendar_days`` (integral N only): the last day is the date N days after the start date (Civil
  Code 2015 Art. 147: the first day is not counted). If that date is not a working day, the last
  day is the next working day (Art. 148(5)). The due time is the close of the last session of the
  last day. Art. 148(6) ends a day at 24:00, but results are returned at the desk, so the due
  time shown on the appointment slip is the close of working hours: stricter than the Code, never
  later than it.
* Zero amounts are allowed: the due time is the start (for calendar days, the close of the start
  day).
* Arithmetic is done on local wall-clock time. Viet Nam has had no daylight saving time since
  1975, so this is exact for the default zone; nothing hard-codes the +07:00 offset.

Performance
-----------
Due dates are recomputed in bulk (a calendar edit touches every open dossier), so each calendar
lazily builds a table over a range of dates: the working days, an index from every date to the
next working day and prefix sums of working time. Adding N working days is then a few list
lookups, and walking hours is a bisection. The table is replaced, never mutated, when a date
falls outside it, so concurrent readers stay consistent. `bench/deadlines.py` measures it.
"""

from __future__ import annotations

import hashlib
import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

__all__ = [
    "CUTOFF_TIME",
    "DEFAULT_SESSIONS",
    "DUE_SOON_WORKING_SECONDS",
    "HOURS_PER_WORKING_DAY",
    "RULE_VERSION",
    "VIETNAM_TZ",
    "Due",
    "NaiveDatetimeError",
    "Session",
    "TimeUnit",
    "WorkCalendar",
    "classify_completion",
    "compute_due",
    "open_state",
    "restart_due",
    "resume_due",
]

RULE_VERSION = "v1"
VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
HOURS_PER_WORKING_DAY = 8
CUTOFF_TIME = time(15, 0)
# "Less than one working day remains" (DESIGN.md) measured in working time, not wall-clock time.
DUE_SOON_WORKING_SECONDS = HOURS_PER_WORKING_DAY * 3600

_US = 1_000_000
_US_PER_HOUR = 3600 * _US
_ONE = Decimal(1)
# The first precomputed range spans two months back and a limit plus a holiday season ahead; each
# extension at least doubles the span, so a long-lived calendar rebuilds only a handful of times
# while short-lived ones (tests, previews of an edited calendar) stay cheap to build.
_FIRST_DAYS_BACK = 62
_FIRST_DAYS_AHEAD = 430
_MIN_ORDINAL = date.min.toordinal()
_MAX_ORDINAL = date.max.toordinal()


class NaiveDatetimeError(ValueError):
    """A naive datetime reached the deadline code; its wall-clock time has no defined instant."""


class TimeUnit(StrEnum):
    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"
    CALENDAR_DAYS = "calendar_days"


@dataclass(frozen=True, slots=True)
class Session:
    """A working session within a day, as local wall-clock times, ``start < end``."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if not isinstance(self.start, time) or not isinstance(self.end, time):
            raise TypeError("Session start and end must be datetime.time values.")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError(
                "Session times must be naive wall-clock times; the calendar carries the time zone."
            )
        if not self.start < self.end:
            raise ValueError(f"Session start {self.start} must be before its end {self.end}.")


DEFAULT_SESSIONS = (Session(time(7, 0), time(11, 30)), Session(time(13, 30), time(17, 0)))

_EMPTY_MAPPING: Mapping = MappingProxyType({})


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US + t.microsecond


def _normalise_sessions(sessions: Sequence[Session], where: str) -> tuple[Session, ...]:
    result = tuple(sorted(sessions, key=lambda s: (s.start, s.end)))
    for session in result:
        if not isinstance(session, Session):
            raise TypeError(f"{where}: expected Session objects, got {session!r}.")
    for earlier, later in zip(result, result[1:], strict=False):
        if later.start < earlier.end:
            raise ValueError(f"{where}: sessions {earlier} and {later} overlap.")
    return result


def _check_date(value: object, where: str) -> date:
    # A datetime is a date too, but its date part depends on a time zone the caller did not state.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{where}: expected a datetime.date, got {value!r}.")
    return value


class _Profile:
    """The sessions of one kind of day, in microseconds since local midnight."""

    __slots__ = ("bounds", "close", "length", "opening")

    def __init__(self, sessions: tuple[Session, ...]) -> None:
        bounds = []
        before = 0
        for session in sessions:
            start, end = _time_us(session.start), _time_us(session.end)
            bounds.append((start, end, before))
            before += end - start
        self.bounds = tuple(bounds)
        self.length = before
        self.opening = bounds[0][0]
        self.close = bounds[-1][1]

    def elapsed(self, u: int) -> int:
        """Working time of this day that lies before wall-clock time ``u``."""
        for start, end, before in self.bounds:
            if u < end:
                return before + u - start if u > start else before
        return self.length

    def at(self, p: int) -> int:
        """Earliest wall-clock time at which ``p`` (``0 < p <= length``) of work is done."""
        for start, end, before in self.bounds:
            if p <= before + end - start:
                return start + p - before
        raise AssertionError("position beyond the day's working time")

    def next_open(self, u: int) -> int | None:
        """First time ``>= u`` inside a session ``[start, end)``, or None after the last one."""
        for start, end, _ in self.bounds:
            if u < end:
                return u if u >= start else start
        return None


class _Table:
    """Working days of an ordinal range ``[lo, hi)`` with prefix sums of working time.

    Built once and never mutated: a calendar swaps in a bigger table when needed, so a reader that
    took a reference keeps a consistent snapshot even if another thread extends the range.
    """

    __slots__ = ("cum", "day_labels", "days", "first", "hi", "lo", "midnights", "profiles")

    def __init__(self, lo, hi, days, first, cum, profiles, midnights, day_labels) -> None:
        self.lo = lo
        self.hi = hi
        self.days = days  # working-day ordinals, ascending
        self.first = first  # first[o - lo] = index of the first working day on or after o
        self.cum = cum  # cum[i] = working microseconds before working day i; len(days) + 1 items
        self.profiles = profiles
        # Aware local midnight of each working day; a moment is built as midnight +
        # timedelta(0, 0, u), positional because the keyword form costs twice as much.
        self.midnights = midnights
        self.day_labels = day_labels  # day_labels[o - lo] = "dd/mm/yyyy", for explanations


class WorkCalendar:
    """Weekly sessions plus dated exceptions, in one time zone. Immutable and hashable."""

    __slots__ = (
        "_days_off",
        "_days_off_ordinals",
        "_extra",
        "_extra_profiles",
        "_fingerprint",
        "_hash",
        "_key",
        "_table",
        "_tz",
        "_weekly",
        "_weekly_profiles",
    )

    def __init__(
        self,
        *,
        weekly: Mapping[int, Sequence[Session]],
        days_off: Iterable[date] = (),
        extra_working_days: Mapping[date, Sequence[Session]] = _EMPTY_MAPPING,
        tz: ZoneInfo = VIETNAM_TZ,
    ) -> None:
        if not isinstance(tz, ZoneInfo):
            raise TypeError(f"tz must be a zoneinfo.ZoneInfo, got {tz!r}.")
        weekly_n: dict[int, tuple[Session, ...]] = {}
        for weekday, sessions in weekly.items():
            if weekday not in range(7):
                raise ValueError(
                    f"weekly keys are weekdays 0 (Monday) to 6 (Sunday), got {weekday!r}."
                )
            normalised = _normalise_sessions(sessions, f"weekly[{weekday}]")
            if normalised:
                weekly_n[weekday] = normalised
        off = frozenset(_check_date(d, "days_off") for d in days_off)
        extra: dict[date, tuple[Session, ...]] = {}
        for day, sessions in extra_working_days.items():
            _check_date(day, "extra_working_days")
            normalised = _normalise_sessions(sessions, f"extra_working_days[{day}]")
            if not normalised:
                raise ValueError(f"extra_working_days[{day}] needs at least one session.")
            extra[day] = normalised
        clash = sorted(off.intersection(extra))
        if clash:
            listed = ", ".join(d.isoformat() for d in clash)
            raise ValueError(f"Dates both off and extra working days: {listed}.")

        key = (
            str(tz.key if tz.key is not None else tz),
            tuple(sorted(weekly_n.items())),
            tuple(sorted(off)),
            tuple(sorted(extra.items())),
        )
        profiles: dict[tuple[Session, ...], _Profile] = {}

        def profile(sessions: tuple[Session, ...]) -> _Profile:
            return profiles.setdefault(sessions, _Profile(sessions))

        setattr_ = object.__setattr__
        setattr_(self, "_tz", tz)
        setattr_(self, "_weekly", MappingProxyType(weekly_n))
        setattr_(self, "_days_off", off)
        setattr_(self, "_extra", MappingProxyType(extra))
        setattr_(self, "_key", key)
        setattr_(self, "_hash", hash(key))
        setattr_(self, "_fingerprint", _fingerprint(key))
        setattr_(
            self,
            "_weekly_profiles",
            tuple(profile(weekly_n[w]) if w in weekly_n else None for w in range(7)),
        )
        setattr_(self, "_days_off_ordinals", frozenset(d.toordinal() for d in off))
        setattr_(self, "_extra_profiles", {d.toordinal(): profile(s) for d, s in extra.items()})
        setattr_(self, "_table", None)

    @classmethod
    def default(
        cls,
        *,
        days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] | Mapping[date, Sequence[Session]] | None = None,
        tz: ZoneInfo = VIETNAM_TZ,
    ) -> WorkCalendar:
        """Monday to Friday with DEFAULT_SESSIONS; bare extra dates also get DEFAULT_SESSIONS."""
        if extra_working_days is None:
            extra: Mapping[date, Sequence[Session]] = {}
        elif isinstance(extra_working_days, Mapping):
            extra = extra_working_days
        else:
            extra = dict.fromkeys(extra_working_days, DEFAULT_SESSIONS)
        return cls(
            weekly=dict.fromkeys(range(5), DEFAULT_SESSIONS),
            days_off=days_off,
            extra_working_days=extra,
            tz=tz,
        )

    # -- immutability, identity ---------------------------------------------------------------

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("WorkCalendar is immutable; build a new one instead.")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("WorkCalendar is immutable; build a new one instead.")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkCalendar):
            return NotImplemented
        return self._key == other._key

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return (
            f"WorkCalendar(tz={self._key[0]!r}, weekdays={sorted(self._weekly)}, "
            f"days_off={len(self._days_off)}, extra_working_days={len(self._extra)}, "
            f"fingerprint={self._fingerprint!r})"
        )

    def __reduce__(self):
        return (
            _rebuild_calendar,
            (dict(self._weekly), tuple(sorted(self._days_off)), dict(self._extra), self._tz.key),
        )

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    @property
    def weekly(self) -> Mapping[int, tuple[Session, ...]]:
        return self._weekly

    @property
    def days_off(self) -> frozenset[date]:
        return self._days_off

    @property
    def extra_working_days(self) -> Mapping[date, tuple[Session, ...]]:
        return self._extra

    @property
    def fingerprint(self) -> str:
        """Short stable hash of all calendar data, stored with each due date as its version."""
        return self._fingerprint

    # -- day-level queries --------------------------------------------------------------------

    def sessions_on(self, day: date) -> tuple[Session, ...]:
        _check_date(day, "sessions_on")
        extra = self._extra.get(day)
        if extra is not None:
            return extra
        if day in self._days_off:
            return ()
        return self._weekly.get(day.weekday(), ())

    def is_working_day(self, day: date) -> bool:
        return bool(self.sessions_on(day))

    # -- moment-level queries -------------------------------------------------------------------

    def next_working_moment(self, at: datetime) -> datetime:
        """``at`` itself if inside a session ``[start, end)``, else the next session's start."""
        local = self._local(at, "at")
        o = local.toordinal()
        table = self._covering(o, o)
        table, i, u = self._next_working(table, o, _us_of_day(local))
        return table.midnights[i] + timedelta(0, 0, u)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Same position N working days later; a start at the opening ends at the close of D+N-1."""
        if days.__class__ is not int or days < 0:
            _check_count(days, "days")
        local = self._local(start, "start")
        o = local.toordinal()
        # Inlined range check: this method is the hot path of bulk recalculation.
        table = self._table
        if table is None or not table.lo <= o < table.hi:
            table = self._covering(o, o)
        table, i, u = self._next_working(table, o, _us_of_day(local))
        table, k, u = self._days_from(table, i, u, days)
        return table.midnights[k] + timedelta(0, 0, u)

    def add_working_hours(self, start: datetime, hours: Decimal | int | float) -> datetime:
        """Walk ``hours`` working hours through the sessions (session-end convention)."""
        amount = _to_amount(hours, "hours")
        local = self._local(start, "start")
        return self._walk_from(local, _hours_to_us(amount))

    def working_seconds_between(self, start: datetime, end: datetime) -> int:
        """Whole working seconds in ``[start, end)``; 0 if ``end <= start``."""
        a = self._local(start, "start")
        b = self._local(end, "end")
        if b <= a:
            return 0
        return self._working_us(a, b) // _US

    # -- internals ------------------------------------------------------------------------------

    def _local(self, value: datetime, name: str) -> datetime:
        if not isinstance(value, datetime):
            raise TypeError(f"{name} must be a datetime, got {value!r}.")
        tzinfo = value.tzinfo
        if tzinfo is self._tz:
            return value
        if tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(
                f"{name} must be a timezone-aware datetime, got naive {value.isoformat()}; "
                "attach a tzinfo (for example ZoneInfo('Asia/Ho_Chi_Minh')) before computing "
                "deadlines."
            )
        return value.astimezone(self._tz)

    def _covering(self, lo: int, hi: int) -> _Table:
        table = self._table
        if table is not None and table.lo <= lo and hi < table.hi:
            return table
        if table is None:
            return self._build(lo - _FIRST_DAYS_BACK, hi + _FIRST_DAYS_AHEAD)
        growth = table.hi - table.lo
        return self._build(
            table.lo if lo >= table.lo else lo - growth,
            table.hi if hi < table.hi else hi + growth,
        )

    def _ensure_index(self, table: _Table, j: int) -> _Table:
        """A table (same ``lo``, so indexes stay valid) that holds working day number ``j``."""
        while j >= len(table.days):
            if table.hi > _MAX_ORDINAL:
                raise ValueError("The due date is beyond the supported date range.")
            if not any(self._weekly_profiles) and not any(
                o >= table.hi for o in self._extra_profiles
            ):
                raise ValueError("The calendar has no working days that far ahead.")
            weekly_days = sum(p is not None for p in self._weekly_profiles) or 1
            missing = j - len(table.days) + 1
            growth = max(missing * 7 // weekly_days + 14, table.hi - table.lo)
            table = self._build(table.lo, table.hi + growth)
        return table

    def _ensure_total(self, table: _Table, w: int) -> _Table:
        """A table (same ``lo``) whose working time reaches coordinate ``w``."""
        while table.cum[-1] < w:
            shortest = min((p.length for p in self._weekly_profiles if p is not None), default=0)
            missing_days = (w - table.cum[-1]) // shortest + 1 if shortest else 1
            table = self._ensure_index(table, len(table.days) + missing_days)
        return table

    def _build(self, lo: int, hi: int) -> _Table:
        lo = max(lo, _MIN_ORDINAL)
        hi = min(hi, _MAX_ORDINAL + 1)
        weekly = self._weekly_profiles
        off = self._days_off_ordinals
        extra = self._extra_profiles
        tz = self._tz
        days: list[int] = []
        profiles: list[_Profile] = []
        midnights: list[datetime] = []
        cum = [0]
        for o in range(lo, hi):
            profile = extra.get(o)
            if profile is None:
                if o in off:
                    continue
                profile = weekly[(o - 1) % 7]
                if profile is None:
                    continue
            days.append(o)
            profiles.append(profile)
            d = date.fromordinal(o)
            midnights.append(datetime(d.year, d.month, d.day, tzinfo=tz))
            cum.append(cum[-1] + profile.length)
        first = [0] * (hi - lo)
        index = len(days)
        for o in range(hi - 1, lo - 1, -1):
            if index > 0 and days[index - 1] == o:
                index -= 1
            first[o - lo] = index
        day_labels = [_fmt_date(date.fromordinal(o)) for o in range(lo, hi)]
        table = _Table(lo, hi, days, first, cum, profiles, midnights, day_labels)
        # Plain reference swap: readers holding the old table keep a consistent snapshot.
        object.__setattr__(self, "_table", table)
        return table

    def _next_working(self, table: _Table, o: int, u: int) -> tuple[_Table, int, int]:
        """(table, working-day index, time of day) of the first working moment from (o, u) on."""
        i = table.first[o - table.lo]
        if i < len(table.days) and table.days[i] == o:
            nxt = table.profiles[i].next_open(u)
            if nxt is not None:
                return table, i, nxt
            i += 1
        if i >= len(table.days):
            table = self._ensure_index(table, i)
        return table, i, table.profiles[i].opening

    def _w(self, table: _Table, o: int, u: int) -> int:
        i = table.first[o - table.lo]
        if i < len(table.days) and table.days[i] == o:
            return table.cum[i] + table.profiles[i].elapsed(u)
        return table.cum[i]

    def _from_w(self, table: _Table, w: int, hint: int) -> tuple[int, int]:
        """Earliest (day index, time of day) at coordinate ``w``; ``hint`` is a lower bound."""
        cum = table.cum
        k = hint if cum[hint] < w <= cum[hint + 1] else bisect_left(cum, w, hint) - 1
        return k, table.profiles[k].at(w - cum[k])

    def _days_from(self, table: _Table, i: int, u: int, n: int) -> tuple[_Table, int, int]:
        if n == 0:
            return table, i, u
        j = i + n
        if j >= len(table.days):
            table = self._ensure_index(table, j)
        p = table.profiles[i].elapsed(u)
        if p == 0:
            return table, j - 1, table.profiles[j - 1].close
        target = table.profiles[j]
        return table, j, target.at(p if p < target.length else target.length)

    def _walk(self, table: _Table, i: int, u: int, us: int) -> tuple[_Table, int, int]:
        """Walk ``us`` working microseconds from the working moment (i, u)."""
        if us == 0:
            return table, i, u
        w = table.cum[i] + table.profiles[i].elapsed(u) + us
        table = self._ensure_total(table, w)
        k, u = self._from_w(table, w, i)
        return table, k, u

    def _walk_from(self, local: datetime, us: int) -> datetime:
        o = local.toordinal()
        table = self._covering(o, o)
        table, i, u = self._next_working(table, o, _us_of_day(local))
        table, k, u = self._walk(table, i, u, us)
        return table.midnights[k] + timedelta(0, 0, u)

    def _working_us(self, a: datetime, b: datetime) -> int:
        oa, ob = a.toordinal(), b.toordinal()
        table = self._covering(oa, ob)
        return self._w(table, ob, _us_of_day(b)) - self._w(table, oa, _us_of_day(a))


def _rebuild_calendar(weekly, days_off, extra, tz_key) -> WorkCalendar:
    return WorkCalendar(
        weekly=weekly, days_off=days_off, extra_working_days=extra, tz=ZoneInfo(tz_key)
    )


def _fingerprint(key: tuple) -> str:
    tz_key, weekly, off, extra = key

    def sessions(items: tuple[Session, ...]) -> str:
        return ",".join(f"{s.start.isoformat()}-{s.end.isoformat()}" for s in items)

    text = "\n".join(
        [
            f"tz={tz_key}",
            "weekly=" + ";".join(f"{w}:{sessions(s)}" for w, s in weekly),
            "off=" + ",".join(d.isoformat() for d in off),
            "extra=" + ";".join(f"{d.isoformat()}:{sessions(s)}" for d, s in extra),
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _us_of_day(dt: datetime) -> int:
    return ((dt.hour * 60 + dt.minute) * 60 + dt.second) * _US + dt.microsecond


def _check_count(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}.")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}.")


def _to_amount(value: object, name: str) -> Decimal:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {value!r}.")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value!r}.")
        # repr() gives the shortest decimal that round-trips, so 0.1 stays 0.1.
        amount = Decimal(repr(value))
    else:
        raise TypeError(f"{name} must be an int, Decimal or float, got {value!r}.")
    if not amount.is_finite():
        raise ValueError(f"{name} must be finite, got {value!r}.")
    if amount < 0:
        raise ValueError(f"{name} must not be negative, got {value}.")
    return amount


def _hours_to_us(hours: Decimal) -> int:
    try:
        seconds = (hours * 3600).quantize(_ONE, rounding=ROUND_HALF_EVEN)
    except InvalidOperation as exc:
        raise ValueError(f"Amount of working time too large: {hours}.") from exc
    return int(seconds) * _US


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


# ---- explanation (Vietnamese, shown to citizens and staff) ------------------------------------


def _fmt_date(d: date) -> str:
    return "%02d/%02d/%d" % (d.day, d.month, d.year)  # noqa: UP031


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
