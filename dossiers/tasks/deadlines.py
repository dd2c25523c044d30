"""Beat tasks for deadlines: the 5-minute sweep and the 07:00 leaders' digest.

Thin on purpose (STYLE.md §5): they call the services, which are idempotent, so a redelivered
task (acks late) or two beats at once change nothing twice.
"""

from celery import shared_task
from django.utils.dateparse import parse_datetime

from ..services.deadlines import dossier_flag_deadlines
from ..services.digest import leader_digest_send

__all__ = ["flag_deadlines_task", "send_leader_digest_task"]


def _moment(now: str | None):
    if now is None:
        return None
    moment = parse_datetime(now)
    if moment is None or moment.tzinfo is None:
        raise ValueError(f"now must be an ISO 8601 moment with its offset, got {now!r}.")
    return moment


@shared_task(name="dossiers.tasks.flag_deadlines_task")
def flag_deadlines_task(now: str | None = None) -> dict[str, int]:
    """Flag open dossiers and steps that became due soon or overdue (every 5 minutes).

    `now` (ISO 8601 with offset) is for replays and tests; beat passes nothing.
    """
    return dossier_flag_deadlines(now=_moment(now)).as_dict()


@shared_task(name="dossiers.tasks.send_leader_digest_task")
def send_leader_digest_task(now: str | None = None) -> int:
    """E-mail each leader the overdue dossiers and those due today (daily 07:00)."""
    return leader_digest_send(now=_moment(now))
