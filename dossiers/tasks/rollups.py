"""Tasks of the statistics' daily rollups (dossiers.statistics.rollups): the incremental refresh
every minute and the nightly rebuild-and-verify of the trailing window."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from ..statistics.rollups import VERIFY_DAYS, local_day, rollups_refresh, rollups_verify
from ._moments import moment_from_iso

__all__ = ["refresh_rollups_task", "verify_rollups_task"]


@shared_task(name="dossiers.tasks.refresh_rollups_task")
def refresh_rollups_task(now: str | None = None) -> dict:
    """Rebuild the days touched by the dossiers changed since the last run, and the closed days
    not built yet (idempotent). `now` (ISO 8601 with offset) is for tests."""
    return {"days": rollups_refresh(now=moment_from_iso(now))}


@shared_task(name="dossiers.tasks.verify_rollups_task")
def verify_rollups_task(now: str | None = None) -> dict:
    """Rebuild the last VERIFY_DAYS closed days from the definition and count the days whose
    stored rows differed (logged). `now` (ISO 8601 with offset) is for tests."""
    moment = moment_from_iso(now) or timezone.now()
    yesterday = local_day(moment) - timedelta(days=1)
    differing = rollups_verify(
        first_day=yesterday - timedelta(days=VERIFY_DAYS), last_day=yesterday, now=moment
    )
    return {"differing_days": differing}
