"""Beat task of the leaders' digest: daily at 07:00, e-mail each leader what is overdue or due.

Thin on purpose (STYLE.md §5): it calls the service that builds and sends the e-mails.
"""

from celery import shared_task

from ..services.digest import leader_digest_send
from ._moments import moment_from_iso

__all__ = ["send_leader_digest_task"]


@shared_task(name="dossiers.tasks.send_leader_digest_task")
def send_leader_digest_task(now: str | None = None) -> int:
    """E-mail each leader the overdue dossiers and those due today (daily 07:00)."""
    return leader_digest_send(now=moment_from_iso(now))
