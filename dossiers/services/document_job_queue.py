"""Publishing the build of a batch document job to the broker, by the task's name.

The service that writes the job calls this after commit; it names the task instead of importing
it, so services never import tasks (tasks import services, not the other way round).
"""

import logging

from celery import current_app

logger = logging.getLogger(__name__)

# The name `dossiers.tasks.document_jobs.build_document_job_task` is registered under.
BUILD_TASK = "dossiers.tasks.build_document_job_task"
# Seconds a publish may wait for the broker's socket (a dead host, not a refused port).
PUBLISH_CONNECT_TIMEOUT = 1.0


def enqueue_document_job(job_id: int) -> bool:
    """Publish the build of a job, once its row is committed; False when the broker refuses.

    Called after the request's commit, so it must not wait on a dead broker: one attempt on a
    connection of its own with a short connect timeout and no reconnection retries (the pooled
    connection retries for about 6 s). The job then stays queued in the database and
    `sweep_document_jobs_task` publishes it again once the broker is back.
    """
    try:
        with current_app.connection_for_write(
            connect_timeout=PUBLISH_CONNECT_TIMEOUT, transport_options={"max_retries": 0}
        ) as connection:
            current_app.send_task(BUILD_TASK, args=(job_id,), retry=False, connection=connection)
    except Exception:  # noqa: BLE001 - any broker failure leaves the job for the sweep
        logger.warning("document_job.enqueue_failed job=%s", job_id, exc_info=True)
        return False
    return True
