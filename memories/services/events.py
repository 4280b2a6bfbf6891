"""Dashboard operations on the project's asynchronous jobs (`Event` rows)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.enqueue import enqueue_on_commit
from config.errors import DomainError
from memories.jobs import PROFILE, PROFILE_JOB
from memories.models import Event, EventStatus

# The kinds a worker runs from a queued task; the others (SUMMARY, PROFILE_SETTINGS) finish in
# the request, and a PROFILE generation is retried through its PROFILE_JOB.
RETRYABLE_TYPES = frozenset({"ADD", "EXPORT", PROFILE_JOB})


class EventNotRetryable(DomainError):
    pass


def event_create_once(
    *, project, idempotency_key: str, create: Callable[[], Event]
) -> tuple[Event, bool]:
    """(event, created): the project's event for `idempotency_key` if there is one, else the
    one `create()` makes. Concurrent requests with the same key all get the first event: the
    losers' INSERT waits for the winner's commit on the unique index, then fails, and the
    event is read again."""
    if not idempotency_key:
        return create(), True  # nothing to collide with: no transaction of its own needed
    first = Event.objects.filter(project=project, idempotency_key=idempotency_key).first()
    if first is not None:
        return first, False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        first = Event.objects.filter(project=project, idempotency_key=idempotency_key).first()
        if first is None:
            raise
        return first, False


def _task_for(event_type: str):
    from memories.jobs.tasks import export_run_task, profile_job_run_task
    from memories.tasks import memory_extract_task

    tasks = {"ADD": memory_extract_task, "EXPORT": export_run_task}
    tasks[PROFILE_JOB] = profile_job_run_task
    return tasks[event_type]


def event_retryable(event: Event) -> bool:
    return event.status == EventStatus.FAILED and event.event_type in RETRYABLE_TYPES


@transaction.atomic
def event_retry(*, event: Event) -> bool:
    """Put a FAILED event back to PENDING and enqueue the task the API uses, on commit.

    The reset is a conditional UPDATE on status=FAILED, so two clicks enqueue once: the
    second finds the event PENDING and returns False. Attempts, error, lease and timings are
    cleared, so the new run gets its own attempts and durations. A PROFILE_JOB also resets
    its FAILED profile generations (the job runs them again). Refreshes `event`.
    """
    if event.event_type not in RETRYABLE_TYPES:
        raise EventNotRetryable(
            _("%(event_type)s events cannot be retried.") % {"event_type": event.event_type}
        )
    reset = {
        "status": EventStatus.PENDING,
        "error": "",
        "results": None,
        "attempts": 0,
        "lease_expires_at": None,
        "started_at": None,
        "completed_at": None,
        # updated_at too: the beat re-queues PENDING events idle for a while, not this one.
        "updated_at": timezone.now(),
    }
    taken = Event.objects.filter(pk=event.pk, status=EventStatus.FAILED).update(**reset)
    if taken and event.event_type == PROFILE_JOB:
        Event.objects.filter(
            project=event.project_id,
            event_type=PROFILE,
            payload__job_id=str(event.pk),
            status=EventStatus.FAILED,
        ).update(**reset)
    if taken:
        task = _task_for(event.event_type)
        enqueue_on_commit(task, str(event.pk))
    event.refresh_from_db()
    return bool(taken)
