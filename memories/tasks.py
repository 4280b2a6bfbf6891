from celery import shared_task


@shared_task(ignore_result=True)
def memory_access_flush_task() -> None:
    from memories.services.access import memory_access_flush

    memory_access_flush()
