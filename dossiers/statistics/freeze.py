"""Frozen months: each closed month's figures stored once, with the deadline rule version, and
the dossiers behind each figure, and the corrections found in them later (reported in the month
they are found)."""

from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, CharField, Count, F, Value
from django.utils import timezone

from ..deadlines import RULE_VERSION
from ..models import Dossier, FrozenReport, FrozenReportCorrection, FrozenReportRow
from ..models.statistics import FrozenReportMember
from .columns import COLUMNS, report_column_q
from .periods import Period
from .report import _aggregate, _rows_from, group_labels


def _members_store(frozen: FrozenReport, period: Period) -> None:
    """Store the dossiers of every cell (agency × column), one INSERT … SELECT per column: the
    database copies the ids, none passes through Python, whatever the month's size."""
    quote = connection.ops.quote_name
    target = ", ".join(
        quote(name) for name in ("report_id", "report_column", "agency_id", "dossier_id")
    )
    for column in COLUMNS:
        select = (
            Dossier.objects.filter(report_column_q(column, period, now=period.t1))
            .order_by()
            .annotate(
                frozen_report=Value(frozen.pk, output_field=BigIntegerField()),
                frozen_column=Value(column, output_field=CharField()),
                frozen_agency=F("agency_id"),
                frozen_dossier=F("pk"),
            )
            .values_list("frozen_report", "frozen_column", "frozen_agency", "frozen_dossier")
        )
        sql, params = select.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote(FrozenReportMember._meta.db_table)} ({target}) {sql}", params
            )


def month_freeze(*, year: int, month: int) -> FrozenReport:
    """Store the figures of a closed month (grouped by agency, plus the totals) over every
    dossier, with the dossiers behind each figure. Idempotent: a month frozen already is
    returned as it is, never recomputed.

    The figures are counted from the stored dossiers, in the same transaction, so every frozen
    number is exactly the length of its frozen list."""
    period = Period.month(year, month)
    existing = FrozenReport.objects.filter(year=year, month=month).first()
    if existing is not None:
        return existing
    if period.t1 > timezone.now():
        raise ValueError(f"{month:02d}/{year} is not closed yet.")
    try:
        with transaction.atomic():
            frozen = FrozenReport.objects.create(
                year=year,
                month=month,
                rule_version=RULE_VERSION,
                frozen_at=timezone.now(),
                members_stored=True,
            )
            _members_store(frozen, period)
            counts: dict[int, dict[str, int]] = {}
            for agency_id, column, number in (
                FrozenReportMember.objects.filter(report=frozen)
                .values("agency_id", "report_column")
                .annotate(number=Count("pk"))
                .order_by()
                .values_list("agency_id", "report_column", "number")
            ):
                counts.setdefault(agency_id, dict.fromkeys(COLUMNS, 0))[column] = number
            labels = group_labels("agency", list(counts))
            FrozenReportRow.objects.bulk_create(
                FrozenReportRow(
                    report=frozen,
                    agency_id=agency_id,
                    agency_name=labels.get(agency_id, str(agency_id)),
                    counts=agency_counts,
                )
                for agency_id, agency_counts in sorted(counts.items())
            )
            frozen.totals = {
                column: sum(agency_counts[column] for agency_counts in counts.values())
                for column in COLUMNS
            }
            frozen.save(update_fields=["totals"])
    except IntegrityError:
        # Another worker froze the month at the same time: keep its figures.
        return FrozenReport.objects.get(year=year, month=month)
    return frozen


# How many of the latest frozen months are checked for corrections each night.
CORRECTION_MONTHS = 12


def month_corrections_detect(*, now=None, months: int = CORRECTION_MONTHS) -> int:
    """Compare the latest frozen months with their live figures, per agency, and record each
    change since the figures last known (frozen, or the previous correction) as a
    FrozenReportCorrection found at `now`. Idempotent: unchanged figures record nothing.
    Returns how many corrections were recorded."""
    now = now or timezone.now()
    recorded = 0
    for frozen in FrozenReport.objects.order_by("-year", "-month")[:months]:
        period = Period.month(frozen.year, frozen.month)
        live = {
            row.key: row
            for row in _rows_from(
                _aggregate(Dossier.objects.all(), period, "agency", now=now), "agency"
            )
        }
        known = {row.agency_id: (row.agency_name, row.counts) for row in frozen.rows.all()}
        for correction in frozen.corrections.order_by("detected_at", "pk"):
            known[correction.agency_id] = (correction.agency_name, correction.counts)
        for agency_id in sorted(set(live) | set(known)):
            before = known.get(agency_id, ("", {}))[1]
            after = live[agency_id].counts if agency_id in live else {}
            deltas = {
                column: int(after.get(column, 0)) - int(before.get(column, 0))
                for column in COLUMNS
                if int(after.get(column, 0)) != int(before.get(column, 0))
            }
            if not deltas:
                continue
            FrozenReportCorrection.objects.create(
                report=frozen,
                agency_id=agency_id,
                agency_name=live[agency_id].label if agency_id in live else known[agency_id][0],
                deltas=deltas,
                counts={column: int(after.get(column, 0)) for column in COLUMNS},
                detected_at=now,
            )
            recorded += 1
    return recorded


def previous_month(moment=None) -> tuple[int, int]:
    """(year, month) of the month before `moment`'s, in Asia/Ho_Chi_Minh."""
    from .periods import REPORT_TZ

    local = (moment or timezone.now()).astimezone(REPORT_TZ)
    if local.month == 1:
        return local.year - 1, 12
    return local.year, local.month - 1
