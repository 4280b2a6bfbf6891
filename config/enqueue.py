"""Queue a Celery task once the current transaction commits, never failing the caller for it.

Every queued job has its row in PostgreSQL first (a PENDING event, a webhook delivery), and
beat re-queues rows whose message never arrived. So when Redis is down at that moment, the
write the client asked for has already happened: the client gets its answer (the PENDING event)
and the message is sent later. Raising here instead would answer 500 for a committed write, and
a retry without an Idempotency-Key would then create a duplicate.
"""

from __future__ import annotations

import logging

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError
from redis import RedisError

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, *args) -> None:
    """`task.delay(*args)` after the commit (at once outside a transaction); a broker that
    does not answer is logged, not raised."""

    def send() -> None:
        try:
            task.delay(*args)  # CELERY_TASK_PUBLISH_RETRY_POLICY bounds the wait
        except (OperationalError, RedisError, OSError) as exc:
            logger.warning(
                "%s%r not queued, the broker is unavailable (%s): the periodic re-queue sends it",
                task.name,
                args,
                exc,
            )

    transaction.on_commit(send)
