from celery import shared_task


@shared_task(ignore_result=True)
def request_log_flush_task() -> None:
    from accounts.request_log import request_log_flush

    request_log_flush()


@shared_task(ignore_result=True)
def request_log_prune_task() -> None:
    from accounts.request_log import request_log_prune

    request_log_prune()
