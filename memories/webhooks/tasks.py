from __future__ import annotations

from celery import shared_task


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def webhook_deliver_task(self, delivery_id: int) -> None:
    """One attempt at a delivery; the service says when to come back (retry, or wait for an
    older delivery of the same memory). The attempt count lives in the row, not in Celery."""
    from memories.webhooks.services import webhook_deliver

    again_in = webhook_deliver(delivery_id=delivery_id)
    if again_in is not None:
        raise self.retry(countdown=again_in)


@shared_task(ignore_result=True)
def webhook_deliveries_requeue_task() -> None:
    from memories.webhooks.services import webhook_deliveries_requeue

    webhook_deliveries_requeue()
