"""The working calendar: `work_calendar_for`, its cache and version, the admin's year overview.

The per-process memo (`_memo`) and the uncommitted-change bookkeeping (`_uncommitted`) live here
and only here: patch them on this module, not on the `dossiers.selectors` package.
"""

import calendar as pycalendar
import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from uuid import uuid4

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear

from procedures.models import Agency

from ..choices import CalendarDayKind
from ..deadlines import DEFAULT_SESSIONS, Session, WorkCalendar
from ..models import CalendarDay, WorkingSession
from ..models.calendar import CalendarDaySource

# The logger keeps the name it had before dossiers.selectors became a package.
logger = logging.getLogger("dossiers.selectors")

# ---- working calendar -------------------------------------------------------------------------
#
# Every process keeps the calendars it built in `_memo`, tagged with the calendar version read from
# the shared Django cache. A committed change to WorkingSession or CalendarDay replaces that version
# (see DossiersConfig.ready), so the next call in every process, web or worker, sees a new version
# and rebuilds: no restart, no stale deadlines. The version is a random token rather than a counter
# so that a cleared or evicted cache can never bring back an old version still held in a memo.
#
# Before the commit, only the transaction that made the change sees it, under a private version
# that never reaches the shared cache: a rollback then leaves nothing stale behind.

_VERSION_KEY = "dossiers:work-calendar:version"
_CALENDAR_TIMEOUT = 24 * 3600

_memo_lock = threading.Lock()
_memo: tuple[str | None, dict[int | None, WorkCalendar]] = (None, {})
# Per thread, as a database connection is: for each alias, the uncommitted calendar changes as
# (on-commit callback, private version) pairs.
_uncommitted = threading.local()


def work_calendar_version() -> str:
    """The shared version of the committed calendar data."""
    version = cache.get(_VERSION_KEY)
    if version is None:
        token = uuid4().hex
        # add() keeps a version that another process set in the meantime.
        cache.add(_VERSION_KEY, token, timeout=None)
        version = cache.get(_VERSION_KEY) or token
    return version


def work_calendar_invalidate() -> None:
    """Make every process rebuild its calendars on next use."""
    cache.set(_VERSION_KEY, uuid4().hex, timeout=None)


def work_calendar_changed(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Calendar rows changed on `using`: rebuild here now, everywhere once it is committed.

    Call after any write that sends no model signal (bulk_create, QuerySet.update).
    """
    if not connections[using].in_atomic_block:
        work_calendar_invalidate()
        return

    def publish():
        work_calendar_invalidate()

    transaction.on_commit(publish, using=using, robust=True)
    _pending_changes(using).append((publish, uuid4().hex))


def _pending_changes(using: str) -> list[tuple[Callable[[], None], str]]:
    by_alias = getattr(_uncommitted, "by_alias", None)
    if by_alias is None:
        by_alias = _uncommitted.by_alias = {}
    return by_alias.setdefault(using, [])


def _private_version(using: str) -> str | None:
    """The version of this transaction's own uncommitted calendar changes, if it made any."""
    pending = _pending_changes(using)
    if not pending:
        return None
    # Django drops the on-commit callbacks of a transaction or savepoint when it commits or rolls
    # back, so a change whose callback is still queued is still pending in this transaction.
    queued = {id(func) for _sids, func, _robust in connections[using].run_on_commit}
    pending[:] = [(func, token) for func, token in pending if id(func) in queued]
    return pending[-1][1] if pending else None


def work_calendar_for(agency: Agency | None = None) -> WorkCalendar:
    """The working calendar of `agency`, or the default (country-wide) calendar for None.

    Weekly sessions: the agency's own, or the default schedule when it has none. Exceptions: the
    country-wide calendar days plus the agency's, the agency's row winning on the same date.
    """
    global _memo
    agency_pk = agency.pk if agency is not None else None
    private = _private_version(DEFAULT_DB_ALIAS)
    version = private or work_calendar_version()
    memo_version, calendars = _memo
    if memo_version != version:
        with _memo_lock:
            if _memo[0] != version:
                _memo = (version, {})
            calendars = _memo[1]
    work_calendar = calendars.get(agency_pk)
    if work_calendar is None:
        if private:
            work_calendar = _build_work_calendar(agency_pk)
        else:
            key = f"dossiers:work-calendar:{version}:{agency_pk or 'default'}"
            work_calendar = cache.get(key)
            if work_calendar is None:
                work_calendar = _build_work_calendar(agency_pk)
                cache.set(key, work_calendar, timeout=_CALENDAR_TIMEOUT)
        calendars[agency_pk] = work_calendar
    return work_calendar


def _build_work_calendar(agency_pk: int | None) -> WorkCalendar:
    """Two queries: the sessions, then the calendar days."""
    weekly, normal_day = _weekly_sessions(agency_pk)
    days_off = []
    extra: dict[date, tuple[Session, ...]] = {}
    for row in _effective_calendar_days(agency_pk).values():
        if row.kind == CalendarDayKind.DAY_OFF:
            days_off.append(row.date)
        else:
            times = row.session_times
            extra[row.date] = tuple(Session(s, e) for s, e in times) if times else normal_day
    return WorkCalendar(weekly=weekly, days_off=days_off, extra_working_days=extra)


def _weekly_sessions(
    agency_pk: int | None,
) -> tuple[dict[int, tuple[Session, ...]], tuple[Session, ...]]:
    """The weekly schedule, and the sessions of a normal day for working days given no hours."""
    scope = Q(agency__isnull=True)
    if agency_pk is not None:
        scope |= Q(agency_id=agency_pk)
    default: dict[int, list[Session]] = defaultdict(list)
    own: dict[int, list[Session]] = defaultdict(list)
    for owner, weekday, start, end in WorkingSession.objects.filter(scope).values_list(
        "agency_id", "weekday", "start", "end"
    ):
        (default if owner is None else own)[weekday].append(Session(start, end))
    if not default:
        # An empty default schedule would make every deadline unreachable; the data migration
        # creates it, so this means someone deleted it.
        logger.warning("dossiers.calendar.default_schedule_missing")
        default = defaultdict(list, dict.fromkeys(range(5), list(DEFAULT_SESSIONS)))
    chosen = own or default
    weekly = {weekday: tuple(sessions) for weekday, sessions in chosen.items()}
    # A working day given without hours works like a normal Monday.
    normal_day = weekly.get(0) or tuple(default.get(0, ())) or DEFAULT_SESSIONS
    return weekly, normal_day


def _effective_calendar_days(
    agency_pk: int | None, *, year: int | None = None
) -> dict[date, CalendarDay]:
    """Calendar days that apply to the agency, by date: its own rows over country-wide ones."""
    rows = CalendarDay.objects.filter(agency__isnull=True)
    if agency_pk is not None:
        rows = CalendarDay.objects.filter(Q(agency__isnull=True) | Q(agency_id=agency_pk))
    if year is not None:
        # The year view prints each row's agency.
        rows = rows.filter(date__year=year).select_related("agency")
    effective: dict[date, CalendarDay] = {}
    for row in rows.order_by("date"):
        if row.agency_id is not None or row.date not in effective:
            effective[row.date] = row
    return effective


# ---- year overview (admin) ---------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarCell:
    day: date | None  # None pads the weeks before the 1st and after the last day of the month
    status: str = ""  # working, rest, day_off, makeup, changed_hours
    entry: CalendarDay | None = None
    sessions: tuple[Session, ...] = ()

    @property
    def hours(self) -> str:
        return session_label(self.sessions)


@dataclass(frozen=True)
class CalendarMonth:
    month: int
    weeks: list[list[CalendarCell]]


@dataclass(frozen=True)
class CalendarYear:
    year: int
    agency: Agency | None
    months: list[CalendarMonth]
    entries: list[CalendarCell]  # the days a calendar row applies to, in date order
    working_days: int
    fingerprint: str
    uses_own_sessions: bool = False
    weekly: dict[int, tuple[Session, ...]] = field(default_factory=dict)

    @property
    def only_predicted(self) -> bool:
        """The year has calendar days, and all of them are the holidays package's prediction:
        no law, official letter or administrator has confirmed any day of it yet."""
        return bool(self.entries) and all(
            cell.entry.source_kind == CalendarDaySource.PACKAGE_PREDICTION for cell in self.entries
        )


def calendar_year_overview(*, year: int, agency: Agency | None = None) -> CalendarYear:
    """Each day of `year` as `work_calendar_for(agency)` sees it, with the rows behind it."""
    work_calendar = work_calendar_for(agency)
    agency_pk = agency.pk if agency is not None else None
    entries = _effective_calendar_days(agency_pk, year=year)
    uses_own_sessions = (
        agency_pk is not None and WorkingSession.objects.filter(agency_id=agency_pk).exists()
    )
    months = []
    entry_cells: list[CalendarCell] = []
    working_days = 0
    for month in range(1, 13):
        weeks = []
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells = []
            for day in week:
                if day.month != month:
                    cells.append(CalendarCell(day=None))
                    continue
                sessions = work_calendar.sessions_on(day)
                working_days += bool(sessions)
                entry = entries.get(day)
                cell = CalendarCell(
                    day=day,
                    status=_day_status(work_calendar, day, sessions, entry),
                    entry=entry,
                    sessions=sessions,
                )
                cells.append(cell)
                if entry is not None:
                    entry_cells.append(cell)
            weeks.append(cells)
        months.append(CalendarMonth(month=month, weeks=weeks))
    return CalendarYear(
        year=year,
        agency=agency,
        months=months,
        entries=entry_cells,
        working_days=working_days,
        fingerprint=work_calendar.fingerprint,
        uses_own_sessions=uses_own_sessions,
        weekly=dict(work_calendar.weekly),
    )


def calendar_years_only_predicted() -> set[int]:
    """Years whose country-wide calendar days are all predictions of the holidays package."""
    return set(
        CalendarDay.objects.filter(agency__isnull=True)
        .annotate(year=ExtractYear("date"))
        .order_by()
        .values("year")
        .annotate(
            confirmed=Count("pk", filter=~Q(source_kind=CalendarDaySource.PACKAGE_PREDICTION))
        )
        .filter(confirmed=0)
        .values_list("year", flat=True)
    )


def _day_status(
    work_calendar: WorkCalendar,
    day: date,
    sessions: tuple[Session, ...],
    entry: CalendarDay | None,
) -> str:
    normal = work_calendar.weekly.get(day.weekday(), ())
    if not sessions:
        return "day_off" if entry is not None else "rest"
    if entry is None:
        return "working"
    return "makeup" if not normal else ("working" if sessions == normal else "changed_hours")


def session_label(sessions: tuple[Session, ...]) -> str:
    """ "07:00–11:30, 13:30–17:00", as the year view and its tooltips write hours."""
    return ", ".join(f"{_hh_mm(s.start)}–{_hh_mm(s.end)}" for s in sessions)


def _hh_mm(value: time) -> str:
    return value.strftime("%H:%M")
