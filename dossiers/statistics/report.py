"""The Biểu 06 report: one aggregate query per report over the dossiers the user may see."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import DossierChannel
from ..models import Dossier, FrozenReport, FrozenReportCorrection
from ..models.statistics import FrozenReportMember
from ..selectors.dossiers import report_agency_ids
from .columns import COLUMN_LABELS, COLUMNS, report_column_q, report_relevant_q
from .periods import Period
from .rollups import rollup_report_values

GROUPINGS = ("agency", "field", "procedure", "channel")
MAX_ID = 2**63 - 1  # the largest primary key the databases hold

# The value each grouping groups by, in the aggregate and in the drill-down filter.
_GROUP_FIELDS = {
    "agency": "agency_id",
    "field": "procedure__field_id",
    "procedure": "procedure__code",
    "channel": "channel",
}


def percent(part: int, whole: int) -> Decimal | None:
    """`part / whole` as a percentage with two decimals; None when `whole` is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class ReportRow:
    key: str | int | None
    label: str
    counts: dict[str, int]

    @property
    def on_time_rate(self) -> Decimal | None:
        """(early + on time) / resolved, in percent (two decimals); None without resolved ones."""
        c = self.counts
        return percent(c["resolved_early"] + c["resolved_on_time"], c["resolved_total"])

    @property
    def satisfaction_rate(self) -> Decimal | None:
        """(very satisfied + satisfied) / ratings, in percent (two decimals)."""
        return percent(self.counts["ratings_satisfied"], self.counts["ratings"])


@dataclass
class Correction:
    """A correction of a closed month's frozen figures, found during the reported period."""

    month: str  # mm/yyyy of the frozen month
    agency: str
    changes: list[tuple[str, int]]  # (column label, change)
    detected_at: datetime


@dataclass
class Report:
    period: Period
    grouping: str
    rows: list[ReportRow]
    total: ReportRow
    # The moment the stocks (in progress, overdue, awaiting supplement) are judged at:
    # min(t1, now), so an open period is judged now (Period.as_of).
    as_of: datetime | None = field(default=None)
    # Set when the figures come from a frozen month (month_freeze), not from the live data.
    frozen_at: datetime | None = field(default=None)
    rule_version: str = ""
    # True when the drill-down lists of a frozen month are the dossiers counted when it froze.
    members_frozen: bool = False
    # Corrections of closed months found during this period: a note, not added to the figures.
    corrections: list[Correction] = field(default_factory=list)


def _check_grouping(grouping: str) -> None:
    if grouping not in GROUPINGS:
        raise ValueError(f"Unknown report grouping {grouping!r}.")


def report_scope(user) -> QuerySet[Dossier]:
    """The dossiers whose figures `user` may see: a superuser all, staff those of their agencies
    (dossiers.selectors.dossiers.report_agency_ids), anyone else none. Bare queryset, for
    aggregates."""
    dossiers = Dossier.objects.all()
    if user is None or not user.is_authenticated:
        return dossiers.none()
    if user.is_superuser:
        return dossiers
    return dossiers.filter(agency_id__in=report_agency_ids(user))


def _aggregate(
    dossiers: QuerySet[Dossier], period: Period, grouping: str, *, now: datetime | None = None
) -> list[dict]:
    """One query: the count of every column per group, the stocks judged at
    `period.as_of(now)`."""
    key = _GROUP_FIELDS[grouping]
    now = now or timezone.now()
    annotations = {
        column: Count("pk", filter=report_column_q(column, period, now=now)) for column in COLUMNS
    }
    return list(
        dossiers.filter(report_relevant_q(period))
        .values(key)
        .annotate(**annotations)
        .order_by()
        .values(key, *COLUMNS)
    )


def _report_values(user, period: Period, grouping: str, *, now: datetime) -> list[dict]:
    """The counts per group: from the daily rollups when every day they need is built, else
    one aggregate over the dossiers (the oracle itself). Same scope as `report_scope`."""
    if user is None or not user.is_authenticated:
        return []
    agency_ids = None if user.is_superuser else report_agency_ids(user)
    values = rollup_report_values(
        agency_ids=agency_ids,
        period=period,
        key=_GROUP_FIELDS[grouping],
        columns=COLUMNS,
        now=now,
    )
    if values is not None:
        return values
    dossiers = Dossier.objects.all()
    if agency_ids is not None:
        dossiers = dossiers.filter(agency_id__in=agency_ids)
    return _aggregate(dossiers, period, grouping, now=now)


def group_labels(grouping: str, keys) -> dict:
    """Labels of the grouping keys, in one query (none for channels)."""
    from procedures.models import Agency, Field, Procedure

    keys = [k for k in keys if k is not None]
    if grouping == "channel":
        return {value: str(label) for value, label in DossierChannel.choices}
    if not keys:
        return {}
    if grouping == "agency":
        return dict(Agency.objects.filter(pk__in=keys).values_list("pk", "name"))
    if grouping == "field":
        return dict(Field.objects.filter(pk__in=keys).values_list("pk", "name"))
    labels = {}
    # The name of the latest version of each procedure code.
    for code, name in (
        Procedure.objects.filter(code__in=keys)
        .order_by("code", "version")
        .values_list("code", "name")
    ):
        labels[code] = f"{code} — {name}"
    return labels


def _sort_rows(rows: list[ReportRow], grouping: str) -> list[ReportRow]:
    if grouping == "channel":
        order = {value: i for i, value in enumerate(DossierChannel.values)}
        return sorted(rows, key=lambda r: (order.get(r.key, len(order)), str(r.key)))
    if grouping == "procedure":
        return sorted(rows, key=lambda r: str(r.key or ""))
    return sorted(rows, key=lambda r: (r.label, r.key or 0))


def _total(rows: list[ReportRow]) -> ReportRow:
    return ReportRow(
        key=None,
        label=str(_("Total")),
        counts={column: sum(row.counts[column] for row in rows) for column in COLUMNS},
    )


def _rows_from(values: list[dict], grouping: str) -> list[ReportRow]:
    key_field = _GROUP_FIELDS[grouping]
    labels = group_labels(grouping, [v[key_field] for v in values])
    rows = []
    for value in values:
        counts = {column: int(value[column]) for column in COLUMNS}
        if not any(counts.values()):
            continue
        key = value[key_field]
        rows.append(
            ReportRow(
                key=key, label=labels.get(key, "—" if key is None else str(key)), counts=counts
            )
        )
    return _sort_rows(rows, grouping)


def _frozen_report(user, period: Period) -> Report | None:
    month = period.as_month
    if month is None or user is None or not user.is_authenticated:
        return None
    frozen = FrozenReport.objects.filter(year=month[0], month=month[1]).first()
    if frozen is None:
        return None
    stored = frozen.rows.all()
    if not user.is_superuser:
        stored = stored.filter(agency_id__in=report_agency_ids(user))
    rows = [
        ReportRow(
            key=row.agency_id,
            label=row.agency_name,
            counts={column: int(row.counts.get(column, 0)) for column in COLUMNS},
        )
        for row in stored
    ]
    rows = _sort_rows(rows, "agency")
    return Report(
        period=period,
        grouping="agency",
        rows=rows,
        total=_total(rows),
        as_of=period.t1,
        frozen_at=frozen.frozen_at,
        rule_version=frozen.rule_version,
        members_frozen=frozen.members_stored,
    )


def report_corrections(*, user, period: Period) -> list[Correction]:
    """The corrections of frozen months found during `period`, for the agencies `user` sees."""
    if user is None or not user.is_authenticated:
        return []
    found = FrozenReportCorrection.objects.filter(
        detected_at__gte=period.t0, detected_at__lt=period.t1
    ).select_related("report")
    if not user.is_superuser:
        found = found.filter(agency_id__in=report_agency_ids(user))
    return [
        Correction(
            month=f"{item.report.month:02d}/{item.report.year}",
            agency=item.agency_name,
            changes=[
                (str(COLUMN_LABELS.get(column, column)), int(change))
                for column, change in item.deltas.items()
            ],
            detected_at=item.detected_at,
        )
        for item in found.order_by("detected_at", "report__year", "report__month", "agency_name")
    ]


def report_build(
    *, user, period: Period, grouping: str = "agency", now: datetime | None = None
) -> Report:
    """The Biểu 06 table for `period`, one row per group, plus the totals row; the stocks are
    judged at `period.as_of(now)` (`now` defaults to the current time).

    A closed month stored by `month_freeze` is reported from its frozen rows when grouped by
    agency, so its numbers never change; every other report is one aggregate query over the
    dossiers `user` may see (plus one query for the group labels), or read from the daily
    rollups when they are built for the days it needs (dossiers.statistics.rollups).
    """
    _check_grouping(grouping)
    now = now or timezone.now()
    corrections = report_corrections(user=user, period=period)
    if grouping == "agency":
        frozen = _frozen_report(user, period)
        if frozen is not None:
            frozen.corrections = corrections
            return frozen
    rows = _rows_from(_report_values(user, period, grouping, now=now), grouping)
    return Report(
        period=period,
        grouping=grouping,
        rows=rows,
        total=_total(rows),
        as_of=period.as_of(now),
        corrections=corrections,
    )


def _coerce_key(grouping: str, key):
    """The group's value from a drill-down key ("" or None: the group without one).

    Raises ValueError for a key that cannot name a group: an agency or field id that is not a
    number within the primary keys' range (a larger one fails the query on SQLite), or text
    with a NUL character (which PostgreSQL refuses).
    """
    if key is None or key == "":
        return None
    if grouping in ("agency", "field"):
        value = int(key)
        if not 1 <= value <= MAX_ID:
            raise ValueError(f"Group id {value} is out of range.")
        return value
    if "\x00" in str(key):
        raise ValueError("A group key holds a NUL character.")
    return key


def frozen_cells(period: Period, *, grouping: str | None, report_grouping: str = "agency"):
    """The frozen month whose stored dossiers a drill-down of `period` lists, or None.

    Only the cells of a frozen month's agency report are frozen: a group of the agency
    grouping, or the total of the agency report (`grouping` None, `report_grouping` "agency").
    A month frozen before its dossiers were stored (`members_stored` False) lists live data."""
    month = period.as_month
    if month is None:
        return None
    if (grouping or report_grouping) != "agency":
        return None
    return FrozenReport.objects.filter(year=month[0], month=month[1], members_stored=True).first()


def report_drilldown(
    *,
    user,
    period: Period,
    column: str,
    grouping: str | None = None,
    key=None,
    now: datetime | None = None,
    report_grouping: str = "agency",
) -> QuerySet[Dossier]:
    """The dossiers behind one cell: the same Q as its count (stocks judged at
    `period.as_of(now)`), so the list's length is the number.

    A cell of a frozen month's agency report (`frozen_cells`) lists the dossiers stored when the
    month froze, so it stays the list behind the frozen number after later corrections.
    `report_grouping` names the report a total row belongs to (a total has no `grouping`)."""
    if column not in COLUMNS:
        raise ValueError(f"Unknown report column {column!r}.")
    if grouping is not None:
        _check_grouping(grouping)
        try:
            key = _coerce_key(grouping, key)
        except (TypeError, ValueError):
            return report_scope(user).none()
    frozen = frozen_cells(period, grouping=grouping, report_grouping=report_grouping)
    if frozen is not None:
        members = FrozenReportMember.objects.filter(report=frozen, report_column=column)
        if user is not None and user.is_authenticated and not user.is_superuser:
            members = members.filter(agency_id__in=report_agency_ids(user))
        if grouping is not None:
            members = members.filter(agency_id=key) if key is not None else members.none()
        dossiers = report_scope(user).filter(pk__in=members.values("dossier_id"))
    else:
        dossiers = report_scope(user).filter(report_column_q(column, period, now=now))
        if grouping is not None:
            field_name = _GROUP_FIELDS[grouping]
            if key is None:
                dossiers = dossiers.filter(**{f"{field_name}__isnull": True})
            else:
                dossiers = dossiers.filter(**{field_name: key})
    return dossiers.select_related("procedure", "agency").order_by("received_at", "pk")
