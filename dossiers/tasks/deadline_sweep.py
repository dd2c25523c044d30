"""Beat task of the deadline sweep: every 5 minutes, flag what became due soon or overdue.

Thin on purpose (STYLE.md §5): it calls the service, which is idempotent, so a redelivered
task (acks late) or two beats at once change nothing twice.
"""

from celery import shared_task

from ..services.deadline_sweep import dossier_flag_deadlines
from ._moments import moment_from_iso

__all__ = ["flag_deadlines_task"]


@shared_task(name="dossiers.tasks.flag_deadlines_task")
def flag_deadlines_task(now: str | None = None) -> dict[str, int]:
    """Flag open dossiers and steps that became due soon or overdue (every 5 minutes).

    `now` (ISO 8601 with offset) is for replays and tests; beat passes nothing.
    """
    return dossier_flag_deadlines(now=moment_from_iso(now)).as_dict()
