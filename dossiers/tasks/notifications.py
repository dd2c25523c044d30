"""Delivery of the notification outbox (beat every minute, and re-enqueued while rows remain).

Thin (STYLE.md §5): the service claims, sends and marks; a redelivered task (acks late) only
finds rows that are still due, so running it twice sends nothing twice.
"""

from celery import shared_task

from ..services.notifications import notification_deliver_batch

__all__ = ["deliver_notifications_task"]


@shared_task(bind=True, name="dossiers.tasks.deliver_notifications_task")
def deliver_notifications_task(self, batch_size: int = 100) -> dict[str, int]:
    """Send one batch of due notifications; queue another run, on the same queue, when more
    are due."""
    result = notification_deliver_batch(batch_size=batch_size)
    if result.more:
        queue = (self.request.delivery_info or {}).get("routing_key") or None
        self.apply_async(kwargs={"batch_size": batch_size}, queue=queue)
    return {
        "claimed": result.claimed,
        "sent": result.sent,
        "retried": result.retried,
        "failed": result.failed,
    }
