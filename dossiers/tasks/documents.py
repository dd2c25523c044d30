"""Batch documents: build a requested register or Biểu 06, and the sweep that
re-enqueues jobs the broker never got and fails jobs whose worker died.

Thin (STYLE.md §5): the services claim, build, store and mark. A redelivered or duplicated
message finds the job no longer queued and does nothing, so running a task twice builds once.
"""

import logging

from celery import shared_task

from ..models import DocumentJob

__all__ = ["build_document_job_task", "enqueue_document_job", "sweep_document_jobs_task"]

logger = logging.getLogger(__name__)

# Seconds a publish may wait for the broker's socket (a dead host, not a refused port).
PUBLISH_CONNECT_TIMEOUT = 1.0


@shared_task(name="dossiers.tasks.build_document_job_task")
def build_document_job_task(job_id: int) -> dict:
    # Imported here to break the services ↔ tasks cycle (STYLE.md §8).
    from ..services.document_jobs import document_job_run

    try:
        job = document_job_run(job_id=job_id)
    except DocumentJob.DoesNotExist:
        # Deleted with its requester's account before a worker got to it.
        return {"job": job_id, "status": "missing"}
    return {"job": job.pk, "status": job.status}


@shared_task(name="dossiers.tasks.sweep_document_jobs_task")
def sweep_document_jobs_task() -> dict:
    from ..services.document_jobs import document_jobs_sweep

    return document_jobs_sweep()


def enqueue_document_job(job_id: int) -> bool:
    """Publish the build of a job, once its row is committed; False when the broker refuses.

    Called after the request's commit, so it must not wait on a dead broker: one attempt on a
    connection of its own with a short connect timeout and no reconnection retries (the pooled
    connection retries for about 6 s). The job then stays queued in the database and
    `sweep_document_jobs_task` publishes it again once the broker is back.
    """
    try:
        with build_document_job_task.app.connection_for_write(
            connect_timeout=PUBLISH_CONNECT_TIMEOUT, transport_options={"max_retries": 0}
        ) as connection:
            build_document_job_task.apply_async((job_id,), retry=False, connection=connection)
    except Exception:  # noqa: BLE001 - any broker failure leaves the job for the sweep
        logger.warning("document_job.enqueue_failed job=%s", job_id, exc_info=True)
        return False
    return True
