"""Nightly task of the statistics: freeze the month that just closed (daily 01:00)."""

from celery import shared_task

from ..models import FrozenReport
from ..statistics import month_corrections_detect, month_freeze, previous_month
from ._moments import moment_from_iso

__all__ = ["freeze_closed_months_task"]


@shared_task(name="dossiers.tasks.freeze_closed_months_task")
def freeze_closed_months_task(now: str | None = None) -> dict:
    """Freeze the previous month if it is not frozen yet (idempotent; runs every night so a
    missed night is caught up the next one), then record the corrections found in the frozen
    months. `now` (ISO 8601 with offset) is for tests."""
    moment = moment_from_iso(now)
    year, month = previous_month(moment)
    frozen = not FrozenReport.objects.filter(year=year, month=month).exists()
    if frozen:
        month_freeze(year=year, month=month)
    corrections = month_corrections_detect(now=moment)
    return {"year": year, "month": month, "frozen": frozen, "corrections": corrections}
