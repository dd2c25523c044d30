"""Daily rollups of the Biểu 06 columns, so a report's cost does not grow with the dossiers
(DESIGN.md "Statistics", "At scale").

One `DailyRollup` row per day × agency × procedure version × channel holds the day's flows and
its end-of-day stocks, each computed by `report_column_q` on the one-day period, grouped: the
oracle stays the only definition. A period's report is then

- the flows: the sum of its rolled-up days before today, plus today and later counted live from
  the dossiers with a moment in those days (few: indexed ranges of today's activity);
- carried over: the in-progress stock at the end of the day before `t0` (live over the open
  dossiers when `t0` is still to come);
- the stocks as of min(t1, now): the end-of-day stocks of its last day when it has passed, else
  counted live over the dossiers open at `t1` (the stock, not the history);
- received total = carried over + received new (the two sets are disjoint).

Groupings read the rollup's keys: agency and channel directly, procedure and field through the
procedure version (`procedure__code`, `procedure__field_id`, as the live aggregate does).

When one of the days a report needs has no `RollupDay` (a fresh database, a day not built yet)
the report is counted live by the oracle instead: `RollupDay` rows are written in the same
transaction as the day's rows, so a day either has all its rows or is known to be missing.

Kept current (`rollups_refresh`, every minute): a day's rows change when a dossier that counts in
them changes. Writing them in the transaction of every transition would put a row lock on the
hot (day, agency, procedure, channel) keys under every desk action, and a correction or a
late-recorded event can change many past days at once; a minute's delay on closed days costs
nothing, because today is always counted live. So the task reads the dossiers changed since a
watermark (`updated_at`, which every service bumps) and rebuilds, from the oracle, every day from
the earliest moment of those dossiers (their recorded events included, which keep the moments a
correction overwrote) to yesterday, plus any day after the last built one. `rollups_rebuild`
rebuilds any range (the command `rollup_rebuild`), and the nightly task rebuilds the trailing
window and reports every cell the incremental path had got wrong (`rollups_verify`).
"""

import logging
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils import timezone

from ..models import DailyRollup, Dossier, DossierEvent, Pause, Rating, RollupDay, RollupWatermark
from ..models.statistics import ROLLUP_FLOWS, ROLLUP_STOCKS
from .columns import _between, _open_at, report_column_q
from .periods import REPORT_TZ, Period

logger = logging.getLogger(__name__)

ROLLUP_KEYS = ("agency_id", "procedure_id", "channel")
ROLLUP_COLUMNS = ROLLUP_FLOWS + ROLLUP_STOCKS
# Days before yesterday that the nightly task rebuilds and verifies.
VERIFY_DAYS = 62
# The moment fields whose day a dossier's flows fall on.
_MOMENT_FIELDS = (
    "submitted_at",
    "received_at",
    "completed_at",
    "withdrawn_at",
    "refused_at",
    "returned_at",
)


def local_day(moment: datetime) -> date:
    return moment.astimezone(REPORT_TZ).date()


def _flow_where(period: Period) -> Q:
    """Dossiers with a moment in `period`: every flow column's Q implies one of these."""
    q = Q()
    for name in (*_MOMENT_FIELDS, "rating__rated_at"):
        q |= _between(name, period)
    return q


def _count(
    dossiers: QuerySet[Dossier],
    period: Period,
    keys: tuple[str, ...],
    columns: tuple[str, ...],
    where: Q,
    *,
    now: datetime,
) -> list[dict]:
    """One query: `columns` of `period` by the oracle, per `keys`, over `dossiers` in `where`."""
    annotations = {
        column: Count("pk", filter=report_column_q(column, period, now=now)) for column in columns
    }
    return list(
        dossiers.filter(where)
        .values(*keys)
        .annotate(**annotations)
        .order_by()
        .values(*keys, *columns)
    )


# ---- building -----------------------------------------------------------------------------------


def _day_rows(day: date, *, now: datetime) -> list[DailyRollup]:
    """The rollup rows of a closed `day`: the oracle on the one-day period, its stocks at its
    end (t1 ≤ now)."""
    period = Period(day, day)
    where = _flow_where(period) | _open_at(period.t1)
    rows = []
    for values in _count(
        Dossier.objects.all(), period, ROLLUP_KEYS, ROLLUP_COLUMNS, where, now=now
    ):
        counts = {column: int(values[column]) for column in ROLLUP_COLUMNS}
        if any(counts.values()):
            rows.append(DailyRollup(day=day, **{k: values[k] for k in ROLLUP_KEYS}, **counts))
    return rows


def rollup_day_build(*, day: date, now: datetime | None = None) -> int:
    """Rebuild one closed day's rows and mark it built, in one transaction; the number of rows.

    Raises ValueError for a day that has not ended yet (today is always counted live)."""
    now = now or timezone.now()
    if Period(day, day).t1 > now:
        raise ValueError(f"{day:%d/%m/%Y} has not ended yet; only closed days are rolled up.")
    rows = _day_rows(day, now=now)
    with transaction.atomic():
        DailyRollup.objects.filter(day=day).delete()
        DailyRollup.objects.bulk_create(rows)
        RollupDay.objects.update_or_create(day=day, defaults={"built_at": now})
    return len(rows)


def rollups_rebuild(*, first_day: date, last_day: date, now: datetime | None = None) -> int:
    """Rebuild every closed day from `first_day` to `last_day` (days not ended yet are skipped);
    the number of days built."""
    now = now or timezone.now()
    last_day = min(last_day, local_day(now) - timedelta(days=1))
    day, built = first_day, 0
    while day <= last_day:
        rollup_day_build(day=day, now=now)
        day += timedelta(days=1)
        built += 1
    return built


def _stored(day: date) -> dict[tuple, dict[str, int]]:
    return {
        tuple(values[k] for k in ROLLUP_KEYS): {c: values[c] for c in ROLLUP_COLUMNS}
        for values in DailyRollup.objects.filter(day=day).values(*ROLLUP_KEYS, *ROLLUP_COLUMNS)
    }


def rollups_verify(*, first_day: date, last_day: date, now: datetime | None = None) -> int:
    """Rebuild the closed days from `first_day` to `last_day`, logging every built day whose
    stored rows differed from the oracle's (the incremental path missed a change); the number of
    such days. Days never built are built, not counted."""
    now = now or timezone.now()
    last_day = min(last_day, local_day(now) - timedelta(days=1))
    built = set(
        RollupDay.objects.filter(day__range=(first_day, last_day)).values_list("day", flat=True)
    )
    differing = 0
    day = first_day
    while day <= last_day:
        before = _stored(day) if day in built else None
        rollup_day_build(day=day, now=now)
        if before is not None and before != _stored(day):
            differing += 1
            logger.warning("statistics.rollup_day_differed", extra={"day": day.isoformat()})
        day += timedelta(days=1)
    return differing


def _watermark() -> RollupWatermark | None:
    return RollupWatermark.objects.select_for_update().first()


def rollups_refresh(*, now: datetime | None = None) -> int:
    """Bring the rollups up to date with the dossiers changed since the watermark; the number
    of days rebuilt. Without any built day it does nothing: reports count live until
    `rollup_rebuild` (or the nightly task) has built days."""
    now = now or timezone.now()
    yesterday = local_day(now) - timedelta(days=1)
    last_built = RollupDay.objects.order_by("-day").values_list("day", flat=True).first()
    if last_built is None:
        return 0
    with transaction.atomic():
        mark = _watermark()
        # A dossier saved while this runs has an updated_at at or after `now`: read next time.
        # Without a watermark yet, the days hold the dossiers as they were when first built.
        since = (
            mark.dossiers_updated_from
            if mark is not None
            else RollupDay.objects.aggregate(first=Min("built_at"))["first"]
        )
        changed = Dossier.objects.filter(updated_at__gte=since)
        changed_ids = changed.filter(updated_at__lt=now).values("pk")
        earliest = [
            value
            for value in (
                changed.filter(updated_at__lt=now)
                .aggregate(**{name: Min(name) for name in _MOMENT_FIELDS})
                .values()
            )
            if value is not None
        ]
        for related in (
            DossierEvent.objects.filter(dossier__in=changed_ids).aggregate(first=Min("at")),
            Pause.objects.filter(dossier__in=changed_ids).aggregate(first=Min("started_at")),
            Rating.objects.filter(dossier__in=changed_ids).aggregate(first=Min("rated_at")),
        ):
            if related["first"] is not None:
                earliest.append(related["first"])
        first_day = last_built + timedelta(days=1)
        if earliest:
            first_day = min(first_day, local_day(min(earliest)))
        count = rollups_rebuild(first_day=first_day, last_day=yesterday, now=now)
        if mark is None:
            RollupWatermark.objects.create(dossiers_updated_from=now)
        else:
            mark.dossiers_updated_from = now
            mark.save(update_fields=["dossiers_updated_from"])
    return count


# ---- reading ------------------------------------------------------------------------------------


def _days_built(first_day: date, last_day: date) -> bool:
    if last_day < first_day:
        return True
    wanted = (last_day - first_day).days + 1
    return RollupDay.objects.filter(day__range=(first_day, last_day)).count() == wanted


def rollup_report_values(
    *, agency_ids, period: Period, key: str, columns: list[str], now: datetime
) -> list[dict] | None:
    """The report's values per group (`key`: a lookup that reads the same on a dossier and on a
    rollup row), as the oracle's aggregate returns them, or None when a rolled-up day the
    period needs is not built. `agency_ids` None means every agency."""
    today = local_day(now)
    before_today = today - timedelta(days=1)
    first, last = period.first_day, period.last_day
    # The rolled-up days read: the day before t0 (carried over) to the last closed day.
    if not _days_built(first - timedelta(days=1), min(last, before_today)):
        return None
    rollups = DailyRollup.objects.all()
    dossiers = Dossier.objects.all()
    if agency_ids is not None:
        rollups = rollups.filter(agency_id__in=agency_ids)
        dossiers = dossiers.filter(agency_id__in=agency_ids)
    totals: dict = {}

    def add(values: list[dict]) -> None:
        for value in values:
            counts = totals.setdefault(value[key], dict.fromkeys(columns, 0))
            for column, number in value.items():
                if column != key and number:
                    counts[column] += int(number)

    # Rolled-up days: one query.
    sums = {}
    closed_last = min(last, before_today)
    if first <= closed_last:
        in_days = Q(day__range=(first, closed_last))
        sums.update({c: Sum(c, filter=in_days) for c in ROLLUP_FLOWS})
    if first <= today:
        sums["carried_over"] = Sum("in_progress_total", filter=Q(day=first - timedelta(days=1)))
    if last < today:
        sums.update({c: Sum(c, filter=Q(day=last)) for c in ROLLUP_STOCKS})
    if sums:
        add(
            list(
                rollups.filter(day__range=(first - timedelta(days=1), last))
                .values(key)
                .annotate(**sums)
                .order_by()
                .values(key, *sums)
            )
        )
    # Today and later: live, over the dossiers with a moment in those days or open.
    if last >= today:
        live = Period(max(first, today), last)
        add(_count(dossiers, live, (key,), ROLLUP_FLOWS, _flow_where(live), now=now))
        add(_count(dossiers, period, (key,), ROLLUP_STOCKS, _open_at(period.t1), now=now))
    if first > today:
        add(_count(dossiers, period, (key,), ("carried_over",), _open_at(period.t0), now=now))
    result = []
    for group, counts in totals.items():
        counts["received_total"] = counts["carried_over"] + counts["received_new"]
        result.append({key: group, **counts})
    return result


__all__ = [
    "ROLLUP_COLUMNS",
    "VERIFY_DAYS",
    "local_day",
    "rollup_day_build",
    "rollup_report_values",
    "rollups_rebuild",
    "rollups_refresh",
    "rollups_verify",
]
