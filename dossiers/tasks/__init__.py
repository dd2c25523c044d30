"""Celery tasks of the dossiers app, one module per sub-domain (STYLE.md §5).

Beat and callers use the dotted paths `dossiers.tasks.<name>`: keep every task re-exported here.
"""

from .deadline_sweep import flag_deadlines_task
from .digest import send_leader_digest_task
from .document_jobs import build_document_job_task, sweep_document_jobs_task
from .issued_documents import render_pending_documents_task
from .notifications import deliver_notifications_task
from .rollups import refresh_rollups_task, verify_rollups_task
from .statistics import freeze_closed_months_task

__all__ = [
    "build_document_job_task",
    "deliver_notifications_task",
    "flag_deadlines_task",
    "freeze_closed_months_task",
    "refresh_rollups_task",
    "render_pending_documents_task",
    "send_leader_digest_task",
    "sweep_document_jobs_task",
    "verify_rollups_task",
]
