"""Nightly task of the statistics: freeze the month that just closed (daily 01:00)."""

from celery import shared_task
from django.utils.dateparse import parse_datetime

from ..models import FrozenReport
from ..statistics import month_corrections_detect, month_freeze, previous_month

__all__ = ["freeze_closed_months_task"]


@shared_task(name="dossiers.tasks.freeze_closed_months_task")
def freeze_closed_months_task(now: str | None = None) -> dict:
    """Freeze the previous month if it is not frozen yet (idempotent; runs every night so a
    missed night is caught up the next one), then record the corrections found in the frozen
    months. `now` (ISO 8601 with offset) is for tests."""
    moment = None
    if now is not None:
        moment = parse_datetime(now)
        if moment is None or moment.tzinfo is None:
            raise ValueError(f"now must be an ISO 8601 moment with its offset, got {now!r}.")
    year, month = previous_month(moment)
    frozen = not FrozenReport.objects.filter(year=year, month=month).exists()
    if frozen:
        month_freeze(year=year, month=month)
    corrections = month_corrections_detect(now=moment)
    return {"year": year, "month": month, "frozen": frozen, "corrections": corrections}
