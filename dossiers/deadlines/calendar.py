"""Working calendars: sessions, days off, make-up days and working-time arithmetic.

See the package docstring of `dossiers.deadlines` for the working time model.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import MappingProxyType
from zoneinfo import ZoneInfo

from ._convert import (
    _US,
    _check_count,
    _fmt_date,
    _hours_to_us,
    _time_us,
    _to_amount,
    _us_of_day,
)

VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# The first precomputed range spans two months back and a limit plus a holiday season ahead; each
# extension at least doubles the span, so a long-lived calendar rebuilds only a handful of times
# while short-lived ones (tests, previews of an edited calendar) stay cheap to build.
_FIRST_DAYS_BACK = 62
_FIRST_DAYS_AHEAD = 430
_MIN_ORDINAL = date.min.toordinal()
_MAX_ORDINAL = date.max.toordinal()


class NaiveDatetimeError(ValueError):
    """A naive datetime reached the deadline code; its wall-clock time has no defined instant."""


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
