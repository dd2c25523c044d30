"""Reads of dossier data. The working calendar is read only through `work_calendar_for`; every
read of dossiers is scoped to the user asking (`dossier_list_for_user`, `dossier_get_for_user`)."""

import calendar as pycalendar
import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from uuid import uuid4

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from portal.roles import Role
from portal.validators import normalize_phone
from procedures.choices import AgencyKind, StepRole
from procedures.models import Agency
from procedures.text import search_terms

from .choices import CalendarDayKind, DossierAction, DossierStatus
from .deadlines import DEFAULT_SESSIONS, Session, WorkCalendar
from .models import CalendarDay, Dossier, DossierEvent, DossierStep, WorkingSession

logger = logging.getLogger(__name__)

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


# ---- dossiers ---------------------------------------------------------------------------------

DESK_QUEUES = {
    "reception": DossierStatus.SUBMITTED,
    "supplement": DossierStatus.NEEDS_SUPPLEMENT,
    "return": DossierStatus.RESULT_READY,
}
_DESK_QUEUE_ORDER = {
    "reception": ("submitted_at", "pk"),
    "supplement": ("updated_at", "pk"),
    "return": ("completed_at", "pk"),
}


def staff_agency_ids(user) -> set[int]:
    """The agencies whose dossiers `user` works on.

    A desk officer of a service centre: the agencies the centre serves and everything below them.
    Other staff: their agency and everything below it; staff of a division also see their parent
    department's tree. A superuser: every agency. Anyone else: none.
    """
    if user is None or not user.is_authenticated:
        return set()
    if user.is_superuser:
        return set(Agency.objects.values_list("pk", flat=True))
    if not user.is_staff_member or user.agency_id is None:
        return set()
    rows = list(Agency.objects.values_list("pk", "parent_id", "kind"))
    kind_of = {pk: kind for pk, _parent, kind in rows}
    parent_of = {pk: parent for pk, parent, _kind in rows}
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent, _kind in rows:
        children[parent].append(pk)

    def with_descendants(roots) -> set[int]:
        found: set[int] = set()
        stack = list(roots)
        while stack:
            pk = stack.pop()
            if pk not in found:
                found.add(pk)
                stack.extend(children.get(pk, ()))
        return found

    own = user.agency_id
    roots: set[int] = set()
    if kind_of.get(own) == AgencyKind.SERVICE_CENTRE:
        roots.update(
            Agency.serves.through.objects.filter(from_agency_id=own).values_list(
                "to_agency_id", flat=True
            )
        )
        if not user.role_names - {Role.DESK_OFFICER.value, Role.CITIZEN.value}:
            return with_descendants(roots) | {own}
    roots.add(own)
    if kind_of.get(own) == AgencyKind.DIVISION and parent_of.get(own) is not None:
        roots.add(parent_of[own])
    return with_descendants(roots)


def _dossier_queryset() -> QuerySet[Dossier]:
    return Dossier.objects.select_related(
        "procedure", "agency", "current_step", "current_step__handler", "assignee"
    )


def dossier_list_for_user(*, user) -> QuerySet[Dossier]:
    """Dossiers `user` may see: a citizen their own, staff those of their agencies (drafts stay
    private to their applicant), a superuser all, an anonymous visitor none."""
    queryset = _dossier_queryset()
    if user is None or not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    visible = Q(applicant_user=user)
    agency_ids = staff_agency_ids(user)
    if agency_ids:
        visible |= Q(agency_id__in=agency_ids) & ~Q(status=DossierStatus.DRAFT)
    return queryset.filter(visible)


def dossier_get_for_user(*, user, dossier_id) -> Dossier:
    """The dossier if `user` may see it; Http404 otherwise, so its existence does not leak."""
    try:
        return dossier_list_for_user(user=user).get(pk=dossier_id)
    except (Dossier.DoesNotExist, ValueError, TypeError):
        raise Http404("No dossier visible with this id.") from None


def _staff_dossiers(user) -> QuerySet[Dossier]:
    if user is not None and user.is_authenticated and user.is_superuser:
        return _dossier_queryset()
    return _dossier_queryset().filter(agency_id__in=staff_agency_ids(user))


def dossier_desk_queue(*, user, queue: str, query: str = "") -> QuerySet[Dossier]:
    """A queue of the one-stop desk: `reception` (submitted), `supplement` (awaiting supplement)
    or `return` (result ready); `query` matches code, applicant name (with or without
    diacritics), identity number or phone."""
    if queue not in DESK_QUEUES:
        raise ValueError(f"Unknown desk queue {queue!r}.")
    dossiers = _staff_dossiers(user).filter(status=DESK_QUEUES[queue])
    query = (query or "").strip()
    if query:
        matches = Q()
        for term in search_terms(query):
            matches &= Q(search_text__contains=term)
        phone = normalize_phone(query)
        if phone.isdigit():
            matches |= Q(applicant_phone=phone)
        matches |= Q(code__iexact=query)
        dossiers = dossiers.filter(matches)
    return dossiers.order_by(*_DESK_QUEUE_ORDER[queue])


def dossier_division_queue(*, user) -> QuerySet[Dossier]:
    """Processing dossiers of the user's agencies whose current step is a specialist's or a head of
    division's."""
    return (
        _staff_dossiers(user)
        .filter(
            status=DossierStatus.PROCESSING,
            current_step__role__in=[StepRole.SPECIALIST, StepRole.DIVISION_HEAD],
        )
        .order_by("current_step__due_at", "due_at", "pk")
    )


def dossier_assigned_to(*, user) -> QuerySet[Dossier]:
    """Processing dossiers whose current step is in the hands of `user`."""
    if user is None or not user.is_authenticated:
        return Dossier.objects.none()
    return (
        _dossier_queryset()
        .filter(status=DossierStatus.PROCESSING, current_step__handler=user)
        .order_by("current_step__due_at", "due_at", "pk")
    )


def dossier_approval_queue(*, user) -> QuerySet[Dossier]:
    """Processing dossiers waiting for a leader: at a leader's step, or with every step done."""
    return (
        _staff_dossiers(user)
        .filter(status=DossierStatus.PROCESSING)
        .filter(Q(current_step__role=StepRole.LEADER) | Q(current_step__isnull=True))
        .order_by("due_at", "pk")
    )


def dossier_track(*, code: str, phone: str) -> Dossier | None:
    """The dossier with this code and applicant phone (any spelling of the phone), or None."""
    code = (code or "").strip()
    phone = normalize_phone((phone or "").strip())
    if not code or not phone:
        return None
    return (
        Dossier.objects.select_related("procedure", "agency")
        .exclude(status=DossierStatus.DRAFT)
        .filter(code__iexact=code, applicant_phone=phone)
        .first()
    )


def dossier_timeline(*, dossier: Dossier) -> list[DossierEvent]:
    """The dossier's history, oldest first, with who did each thing."""
    return list(
        DossierEvent.objects.filter(dossier=dossier).select_related("actor").order_by("at", "pk")
    )


@dataclass(frozen=True)
class ControlSheetRow:
    """One hand-over of the process control sheet (Mẫu 05)."""

    step: str
    giver: object  # a user or None
    receiver: object  # a user or None
    at: datetime | None
    budget_hours: Decimal | None
    due_at: datetime | None
    finished_at: datetime | None
    timeliness: str
    note: str = ""


def dossier_control_sheet(*, dossier: Dossier) -> list[ControlSheetRow]:
    """Rows of Mẫu 05: the desk hands the dossier to the first step, each step to the next, the
    last one back to the desk for the return."""
    events = {
        event.action: event
        for event in DossierEvent.objects.filter(
            dossier=dossier,
            action__in=[DossierAction.RECEIVED, DossierAction.FORWARDED, DossierAction.RETURNED],
        )
        .select_related("actor")
        .order_by("at", "pk")
    }
    steps = list(
        DossierStep.objects.filter(dossier=dossier).select_related("handler").order_by("position")
    )
    received = events.get(DossierAction.RECEIVED)
    forwarded = events.get(DossierAction.FORWARDED)
    returned = events.get(DossierAction.RETURNED)
    rows = []
    if received is not None:
        rows.append(
            ControlSheetRow(
                step=str(DossierAction.RECEIVED.label),
                giver=None,
                receiver=received.actor,
                at=dossier.received_at or received.at,
                budget_hours=None,
                due_at=None,
                finished_at=forwarded.at if forwarded else None,
                timeliness="",
            )
        )
    giver = forwarded.actor if forwarded else None
    for step in steps:
        rows.append(
            ControlSheetRow(
                step=step.name,
                giver=giver,
                receiver=step.handler,
                at=step.started_at,
                budget_hours=step.budget_hours,
                due_at=step.due_at,
                finished_at=step.finished_at,
                timeliness=step.timeliness,
                note=step.note,
            )
        )
        giver = step.handler
    if returned is not None:
        rows.append(
            ControlSheetRow(
                step=str(DossierAction.RETURNED.label),
                giver=giver,
                receiver=returned.actor,
                at=dossier.completed_at,
                budget_hours=None,
                due_at=dossier.due_at,
                finished_at=dossier.returned_at,
                timeliness=dossier.timeliness,
            )
        )
    return rows
