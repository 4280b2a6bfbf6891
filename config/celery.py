"""The Celery app "engram": configured from Django settings (CELERY_*), tasks autodiscovered."""

from __future__ import annotations

import os
import socket

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("engram")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["memories.webhooks", "memories.jobs"])


@app.task(name="engram.heartbeat", ignore_result=True, expires=15)
def heartbeat_task() -> None:
    from config.health import worker_seen_now

    worker_seen_now()


@app.task(name="engram.ping")
def ping_task(payload: str = "ping") -> dict:
    """Round-trip probe: proves a worker consumed a task from Redis and stored a result."""
    return {"echo": payload, "worker": socket.gethostname(), "pid": os.getpid()}


@worker_ready.connect
def _announce_worker(**_kwargs) -> None:
    from config.health import worker_seen_now

    worker_seen_now()
