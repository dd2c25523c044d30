"""Frozen months: each closed month's figures stored once, with the deadline rule version."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..deadlines import RULE_VERSION
from ..models import Dossier, FrozenReport, FrozenReportRow
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


def previous_month(moment=None) -> tuple[int, int]:
    """(year, month) of the month before `moment`'s, in Asia/Ho_Chi_Minh."""
    from .periods import REPORT_TZ

    local = (moment or timezone.now()).astimezone(REPORT_TZ)
    if local.month == 1:
        return local.year - 1, 12
    return local.year, local.month - 1
