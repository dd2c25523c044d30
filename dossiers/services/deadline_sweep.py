"""The deadline sweep; its PostgreSQL path is in `deadline_sweep_postgresql`.

Sweep semantics (rule v1, DESIGN.md "Deadlines"; the same as `dossiers.deadlines.open_state`):

* A dossier is *overdue* at `now` when `now > due_at`.
* It is *due soon* when less than one working day (DUE_SOON_WORKING_SECONDS, 8 working hours) is
  left: `working_seconds_between(now, due_at) < 8 h`. Working time is counted on the agency's
  calendar, so a holiday or a weekend between now and the due time does not count. Because the
  working-time coordinate W(t) is non-decreasing, that condition is exactly
  `due_at < threshold` with `threshold = calendar.add_working_hours(now, 8)`, the *earliest*
  moment eight working hours after `now` (outside a session the walk starts at the next session's
  opening, the same convention as `next_working_moment`). So per agency the sweep needs one
  threshold and two range conditions: due soon `now <= due_at < threshold`, overdue `due_at < now`.
* Only dossiers whose clock runs are swept: `received` and `processing`. A dossier awaiting a
  supplement after reception is paused (its due time moves on resubmission) and is not flagged.
  Steps: unfinished, started steps with a due time, of dossiers in processing.
* A dossier that jumps straight past its due time between two sweeps is flagged overdue only; its
  due-soon flag stays empty (no reminder was sent).

Idempotence: a flag column is set once (`*_flagged_at IS NULL` is part of every claim), and rows are
claimed with `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so two sweeps at once split the rows
between them and a row committed by the other sweep no longer matches. Each batch (claim, flag,
events, notifications) is one transaction; on PostgreSQL the dossier and step batches of a round
share one.
"""

import logging
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from portal.roles import Role
from procedures.models import Agency

from ..choices import DossierAction, DossierStatus
from ..deadlines import DUE_SOON_WORKING_SECONDS
from ..models import Dossier, DossierEvent, DossierStep, NotificationTemplate
from ..selectors import work_calendar_for
from .notifications import notification_queue

logger = logging.getLogger(__name__)

BATCH_SIZE = 50000  # rows per claim statement and transaction (one scan of the window each)
# Statuses in which the legal clock runs; needs_supplement after reception is a pause.
CLOCK_RUNNING = (DossierStatus.RECEIVED, DossierStatus.PROCESSING)
DUE_SOON = "due_soon"
OVERDUE = "overdue"

_ACTIONS = {
    ("dossier", DUE_SOON): DossierAction.DEADLINE_DUE_SOON,
    ("dossier", OVERDUE): DossierAction.DEADLINE_MISSED,
    ("step", DUE_SOON): DossierAction.STEP_DUE_SOON,
    ("step", OVERDUE): DossierAction.STEP_DEADLINE_MISSED,
}
_FLAG_FIELD = {DUE_SOON: "due_soon_flagged_at", OVERDUE: "overdue_flagged_at"}


@dataclass
class SweepResult:
    """How many rows one sweep flagged."""

    dossiers_due_soon: int = 0
    dossiers_overdue: int = 0
    steps_due_soon: int = 0
    steps_overdue: int = 0
    notifications: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def due_soon_threshold(*, agency: Agency | None, now: datetime) -> datetime:
    """The earliest moment one working day (8 working hours) after `now` on the agency's calendar:
    an open dossier is due soon iff `now <= due_at < threshold`."""
    calendar = work_calendar_for(agency)
    return calendar.add_working_hours(now, DUE_SOON_WORKING_SECONDS // 3600)


def dossier_flag_deadlines(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> SweepResult:
    """Flag every open dossier and open step that became due soon or overdue, once.

    Set-based. One due-soon threshold per agency (a handful). On PostgreSQL, for every agency at
    once (the thresholds of the agency table in a VALUES list), one statement per target and
    batch claims the overdue and due-soon rows, flags them and writes their events
    (`deadline_sweep_postgresql.flag_batch_postgresql`), the two of a round in one transaction.
    Elsewhere, per agency with open dossiers, batches of claimed ids updated with one UPDATE and
    one bulk INSERT of events. Then the notifications of those rows only.
    """
    now = now or timezone.now()
    result = SweepResult()
    recipients = _Recipients()
    if connection.vendor == "postgresql":
        # Imported here: that module builds on this one's helpers.
        from .deadline_sweep_postgresql import flag_batch_postgresql

        thresholds = [
            (agency.pk, due_soon_threshold(agency=agency, now=now))
            for agency in Agency.objects.order_by("pk")
        ]
        if not thresholds:
            return result
        # One transaction per round: a batch of each target (dossiers, steps), both kinds at
        # once; another round only for a target that filled its batch.
        pending = ["dossier", "step"]
        while pending:
            full = []
            with transaction.atomic():
                with connection.cursor() as cursor:
                    # Short statements over few rows: compiling them (JIT) costs more than it
                    # saves; the sorts of a batch fit in memory.
                    cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
                for target in pending:
                    counts, sent = flag_batch_postgresql(
                        target, now, thresholds, batch_size, recipients
                    )
                    for kind, flagged in counts.items():
                        field_name = f"{target}s_{kind}"
                        setattr(result, field_name, getattr(result, field_name) + flagged)
                    result.notifications += sent
                    if sum(counts.values()) >= batch_size:
                        full.append(target)
            pending = full
        return result
    agency_ids = sorted(
        set(
            Dossier.objects.filter(status__in=CLOCK_RUNNING, due_at__isnull=False)
            .order_by()
            .values_list("agency_id", flat=True)
            .distinct()
        )
    )
    for agency in Agency.objects.filter(pk__in=agency_ids).order_by("pk"):
        threshold = due_soon_threshold(agency=agency, now=now)
        windows = {
            OVERDUE: Q(due_at__lt=now),
            DUE_SOON: Q(due_at__gte=now, due_at__lt=threshold),
        }
        for kind, window in windows.items():
            dossiers = Dossier.objects.filter(
                window,
                agency=agency,
                status__in=CLOCK_RUNNING,
                **{f"{_FLAG_FIELD[kind]}__isnull": True},
            )
            steps = DossierStep.objects.filter(
                window,
                dossier__agency=agency,
                dossier__status=DossierStatus.PROCESSING,
                finished_at__isnull=True,
                started_at__isnull=False,
                **{f"{_FLAG_FIELD[kind]}__isnull": True},
            )
            flagged, sent = _sweep(dossiers, "dossier", kind, now, batch_size, recipients, agency)
            setattr(result, f"dossiers_{kind}", getattr(result, f"dossiers_{kind}") + flagged)
            result.notifications += sent
            flagged, sent = _sweep(steps, "step", kind, now, batch_size, recipients, agency)
            setattr(result, f"steps_{kind}", getattr(result, f"steps_{kind}") + flagged)
            result.notifications += sent
    return result


def _sweep(
    queryset, target: str, kind: str, now, batch_size, recipients, agency
) -> tuple[int, int]:
    flagged = sent = 0
    while True:
        with transaction.atomic():
            rows = _claim_and_flag(queryset, target, kind, now, batch_size, agency.pk)
            if not rows:
                break
            event_ids = _insert_events(target, kind, rows, now)
            sent += _notify(target, kind, rows, event_ids, recipients, now)
            flagged += len(rows)
        if len(rows) < batch_size:
            break
    return flagged, sent


@dataclass
class _Row:
    """What the event and the notifications of one flagged dossier or step need: the columns the
    claiming UPDATE returns. `person_id` is the dossier's assignee (dossier rows) or the step's
    handler (step rows); the other one is looked up only when notifications are queued."""

    dossier_id: int
    status: str
    agency_id: int
    due_at: datetime
    person_id: int | None
    current_step_id: int | None = None
    step_id: int | None = None
    step_position: int | None = None
    step_name: str = ""
    assignee_id: int | None = None
    division_id: int | None = None


# Columns the claiming UPDATE returns, per target (the table's own columns only).
_RETURNING = {
    "dossier": ("id", "status", "agency_id", "due_at", "assignee_id", "current_step_id"),
    "step": ("id", "dossier_id", "position", "name", "due_at", "handler_id"),
}


def _claim_and_flag(
    queryset, target: str, kind: str, now, batch_size: int, agency_id: int
) -> list[_Row]:
    """Claim up to `batch_size` matching rows and set their flag, in one statement (the path of
    databases other than PostgreSQL, i.e. SQLite, whose writers are serialised anyway):

        UPDATE <table> SET <flag> = now WHERE id IN (
            SELECT id FROM <table> … WHERE <window> AND <flag> IS NULL ORDER BY id LIMIT n
        ) RETURNING id, …

    The inner SELECT is the ORM queryset compiled, so the conditions are the ORM's.
    `UPDATE … RETURNING` needs SQLite 3.35; before that the rows are claimed, flagged and read
    back with three ORM queries.
    """
    model = queryset.model
    flag = _FLAG_FIELD[kind]
    claim = queryset.order_by("pk")
    columns = _RETURNING[target]
    if _update_returning_supported():
        inner, params = (
            claim.values("pk")[:batch_size].query.get_compiler(connection=connection).as_sql()
        )
        quote = connection.ops.quote_name
        # Identifiers come from the model's meta; values are parameters.
        sql = (
            f"UPDATE {quote(model._meta.db_table)} SET {quote(flag)} = %s"  # noqa: S608
            f" WHERE {quote(model._meta.pk.column)} IN ({inner})"
            f" RETURNING {', '.join(quote(c) for c in columns)}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [connection.ops.adapt_datetimefield_value(now), *params])
            fetched = sorted(cursor.fetchall())
    else:  # pragma: no cover - every supported database has UPDATE … RETURNING
        ids = list(claim.values_list("pk", flat=True)[:batch_size])
        model.objects.filter(pk__in=ids).update(**{flag: now})
        fetched = list(model.objects.filter(pk__in=ids).order_by("pk").values_list(*columns))
    if target == "dossier":
        return [
            _Row(
                dossier_id=pk,
                status=status,
                agency_id=agency_id,
                due_at=_aware(due_at),
                person_id=assignee_id,
                current_step_id=current_step_id,
            )
            for pk, status, agency_id, due_at, assignee_id, current_step_id in fetched
        ]
    return [
        _Row(
            dossier_id=dossier_id,
            # Claimed only while the dossier is in processing (the queryset's condition).
            status=DossierStatus.PROCESSING.value,
            agency_id=agency_id,
            due_at=_aware(due_at),
            person_id=handler_id,
            step_id=pk,
            step_position=position,
            step_name=name,
        )
        for pk, dossier_id, position, name, due_at, handler_id in fetched
    ]


def _update_returning_supported() -> bool:
    # Only databases other than PostgreSQL (SQLite) take this path.
    if connection.vendor == "sqlite":
        return connection.Database.sqlite_version_info >= (3, 35, 0)
    return False


def _aware(value) -> datetime:
    """A moment read with a raw cursor: PostgreSQL returns it aware; SQLite returns the UTC text."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def _event_data(row: _Row) -> dict:
    data = {"due_at": timezone.localtime(row.due_at).isoformat()}
    if row.step_id is not None:
        data.update({"step": row.step_position, "name": row.step_name})
    return data


def _insert_events(target: str, kind: str, rows: list[_Row], now: datetime) -> list[int]:
    """One event per flagged row, in one bulk INSERT; returns their ids in the order of `rows`."""
    action = _ACTIONS[(target, kind)]
    events = DossierEvent.objects.bulk_create(
        [
            DossierEvent(
                dossier_id=row.dossier_id,
                action=action,
                from_status=row.status,
                to_status=row.status,
                actor=None,
                at=now,
                data=_event_data(row),
            )
            for row in rows
        ]
    )
    return [event.pk for event in events]


def _resolve_people(target: str, rows: list[_Row]) -> None:
    """Fill in who handles each row and their division, as the notifications need: the dossier's
    assignee, else the handler of its current step (dossier rows); the step's handler, else the
    dossier's assignee (step rows); the division is the first of the two that has an agency.
    At most two small queries per batch, over the rows that have somebody assigned."""
    if target == "dossier":
        step_ids = [row.current_step_id for row in rows if row.current_step_id]
        handlers = (
            dict(
                DossierStep.objects.filter(pk__in=step_ids, handler_id__isnull=False).values_list(
                    "pk", "handler_id"
                )
            )
            if step_ids
            else {}
        )
        pairs = [(row.person_id, handlers.get(row.current_step_id)) for row in rows]
    else:
        assignees = dict(
            Dossier.objects.filter(
                pk__in={row.dossier_id for row in rows}, assignee_id__isnull=False
            ).values_list("pk", "assignee_id")
        )
        pairs = [(row.person_id, assignees.get(row.dossier_id)) for row in rows]
    people = {pk for pair in pairs for pk in pair if pk}
    agencies = (
        dict(get_user_model().objects.filter(pk__in=people).values_list("pk", "agency_id"))
        if people
        else {}
    )
    for row, (first, second) in zip(rows, pairs, strict=True):
        row.assignee_id = first or second
        row.division_id = agencies.get(first) or agencies.get(second)


class _Recipients:
    """Division heads and leaders by agency, loaded once per sweep."""

    def __init__(self) -> None:
        self._by_role: dict[str, dict[int, list[int]]] = {}
        self._children: dict[int, list[int]] | None = None

    def _staff(self, role: Role) -> dict[int, list[int]]:
        if role not in self._by_role:
            by_agency: dict[int, list[int]] = defaultdict(list)
            users = (
                get_user_model()
                .objects.filter(is_active=True, groups__name=role.value, agency__isnull=False)
                .order_by("pk")
                .values_list("pk", "agency_id")
                .distinct()
            )
            for pk, agency_id in users:
                by_agency[agency_id].append(pk)
            self._by_role[role] = by_agency
        return self._by_role[role]

    def _child_agencies(self, agency_id: int) -> list[int]:
        if self._children is None:
            children: dict[int, list[int]] = defaultdict(list)
            for pk, parent_id in Agency.objects.values_list("pk", "parent_id"):
                if parent_id is not None:
                    children[parent_id].append(pk)
            self._children = children
        return self._children.get(agency_id, [])

    def only_the_assignee(self, kind: str) -> bool:
        """True when no division head (nor, for overdue rows, leader) exists anywhere: then a row
        without assignee or handler has nobody to tell."""
        if any(self._staff(Role.DIVISION_HEAD).values()):
            return False
        return kind != OVERDUE or not any(self._staff(Role.LEADER).values())

    def for_row(self, row: _Row, kind: str) -> list[int]:
        """Assignee (or step handler) and the head of their division; when nobody is assigned
        yet, the division heads of the agency and its divisions. Overdue: also the agency's
        leaders."""
        heads = self._staff(Role.DIVISION_HEAD)
        people = [row.assignee_id] if row.assignee_id else []
        if row.division_id is not None and heads.get(row.division_id):
            people += heads[row.division_id]
        else:
            for agency_id in [row.agency_id, *self._child_agencies(row.agency_id)]:
                people += heads.get(agency_id, [])
        if kind == OVERDUE:
            people += self._staff(Role.LEADER).get(row.agency_id, [])
        return list(dict.fromkeys(people))


def _notify(
    target, kind, rows: list[_Row], event_ids: list[int], recipients, now, *, resolved=False
) -> int:
    """Queue the notifications of the flagged rows in the outbox, in the batch's transaction.

    Users and dossiers are loaded in bulk, and only for the rows that have somebody to tell;
    `notification_queue` is called once per such row (only rows this batch flagged)."""
    template = NotificationTemplate.DUE_SOON if kind == DUE_SOON else NotificationTemplate.OVERDUE
    if not resolved:
        _resolve_people(target, rows)
    wanted = [
        (row, event_id, people)
        for row, event_id in zip(rows, event_ids, strict=True)
        if (people := recipients.for_row(row, kind))
    ]
    if not wanted:
        return 0
    users = get_user_model().objects.in_bulk({pk for _row, _event, ids in wanted for pk in ids})
    dossiers = Dossier.objects.select_related("procedure", "agency").in_bulk(
        {row.dossier_id for row, _event, _ids in wanted}
    )
    queued = 0
    for row, event_id, ids in wanted:
        people = [users[pk] for pk in ids if pk in users]
        if not people:
            continue
        payload = {"due_at": timezone.localtime(row.due_at).isoformat(), "target": target}
        if row.step_id is not None:
            payload.update({"step": row.step_position, "step_name": row.step_name})
        event = DossierEvent(
            pk=event_id,
            dossier_id=row.dossier_id,
            action=_ACTIONS[(target, kind)],
            from_status=row.status,
            to_status=row.status,
            at=now,
        )
        queued += notification_queue(
            dossier=dossiers[row.dossier_id],
            template=template,
            recipients=people,
            payload=payload,
            event=event,
        )
    return queued
