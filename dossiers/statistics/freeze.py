"""Frozen months: each closed month's figures stored once, with the deadline rule version, and
the corrections found in them later (reported in the month they are found)."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..deadlines import RULE_VERSION
from ..models import Dossier, FrozenReport, FrozenReportCorrection, FrozenReportRow
from .columns import COLUMNS
from .periods import Period
from .report import _aggregate, _rows_from, _total


def month_freeze(*, year: int, month: int) -> FrozenReport:
    """Store the figures of a closed month (grouped by agency, plus the totals) over every
    dossier. Idempotent: a month frozen already is returned as it is, never recomputed."""
    period = Period.month(year, month)
    existing = FrozenReport.objects.filter(year=year, month=month).first()
    if existing is not None:
        return existing
    if period.t1 > timezone.now():
        raise ValueError(f"{month:02d}/{year} is not closed yet.")
    rows = _rows_from(_aggregate(Dossier.objects.all(), period, "agency"), "agency")
    total = _total(rows)
    try:
        with transaction.atomic():
            frozen = FrozenReport.objects.create(
                year=year,
                month=month,
                rule_version=RULE_VERSION,
                frozen_at=timezone.now(),
                totals={column: total.counts[column] for column in COLUMNS},
            )
            FrozenReportRow.objects.bulk_create(
                FrozenReportRow(
                    report=frozen, agency_id=row.key, agency_name=row.label, counts=row.counts
                )
                for row in rows
            )
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
            for row in _rows_from(_aggregate(Dossier.objects.all(), period, "agency"), "agency")
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
