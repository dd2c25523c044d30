"""Batch documents: build a requested register or Biểu 06, and the sweep that
re-enqueues jobs the broker never got and fails jobs whose worker died.

Thin (STYLE.md §5): the services claim, build, store and mark. A redelivered or duplicated
message finds the job no longer queued and does nothing, so running a task twice builds once.
The build is published by `dossiers.services.document_job_queue.enqueue_document_job`, by name.
"""

from celery import shared_task

from ..models import DocumentJob
from ..services.document_jobs import document_job_run, document_jobs_sweep

__all__ = ["build_document_job_task", "sweep_document_jobs_task"]


@shared_task(name="dossiers.tasks.build_document_job_task")
def build_document_job_task(job_id: int) -> dict:
    try:
        job = document_job_run(job_id=job_id)
    except DocumentJob.DoesNotExist:
        # Deleted with its requester's account before a worker got to it.
        return {"job": job_id, "status": "missing"}
    return {"job": job.pk, "status": job.status}


@shared_task(name="dossiers.tasks.sweep_document_jobs_task")
def sweep_document_jobs_task() -> dict:
    return document_jobs_sweep()
