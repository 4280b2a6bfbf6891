import random

from celery import shared_task
from django.conf import settings


def backoff_seconds(retries: int) -> float:
    """Exponential backoff with full jitter: up to 2, 4, 8... seconds, at most 5 minutes."""
    return random.uniform(1, min(300, 2 ** (retries + 1)))


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def memory_extract_task(self, event_id: str) -> None:
    """Process one add event; the service claims it, so a duplicate delivery is a no-op."""
    from memories.services.extraction import TransientExtractionError, extraction_run

    try:
        extraction_run(event_id=event_id)
    except TransientExtractionError as exc:
        # The service fails the event itself after EXTRACTION_MAX_ATTEMPTS claims.
        if self.request.retries >= settings.EXTRACTION_MAX_ATTEMPTS:
            return
        raise self.retry(exc=exc, countdown=backoff_seconds(self.request.retries)) from exc


@shared_task(ignore_result=True)
def events_requeue_task() -> None:
    from memories.services.extraction import events_requeue

    events_requeue()


@shared_task(ignore_result=True)
def memory_access_flush_task() -> None:
    from memories.services.access import memory_access_flush

    memory_access_flush()
