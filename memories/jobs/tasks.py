"""Celery tasks of the jobs: load nothing, call one service (which claims the job)."""

from celery import shared_task

from memories.tasks import backoff_seconds

MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MAX_RETRIES)
def export_run_task(self, event_id: str) -> None:
    from memories.jobs import TransientJobError
    from memories.jobs.exports import export_run

    try:
        export_run(event_id=event_id)
    except TransientJobError as exc:  # the service fails the job after MAX_ATTEMPTS claims
        if self.request.retries < MAX_RETRIES:
            raise self.retry(exc=exc, countdown=backoff_seconds(self.request.retries)) from exc


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MAX_RETRIES)
def profile_job_run_task(self, job_id: str) -> None:
    from memories.jobs import TransientJobError
    from memories.jobs.profiles import profile_job_run

    try:
        profile_job_run(job_id=job_id)
    except TransientJobError as exc:
        if self.request.retries < MAX_RETRIES:
            raise self.retry(exc=exc, countdown=backoff_seconds(self.request.retries)) from exc
