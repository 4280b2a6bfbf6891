"""A real task through real Redis to a real `celery worker` process and back."""

import pytest
from django.core.cache import cache

from config.celery import heartbeat_task, ping_task
from config.health import WORKER_SEEN_KEY
from tests.conftest import wait_until

pytestmark = pytest.mark.slow


def test_it_runs_a_task_on_a_real_worker_and_returns_its_result(celery_worker_process):
    result = ping_task.delay("hello engram")

    value = result.get(timeout=60)

    assert value["echo"] == "hello engram"
    assert value["pid"] == celery_worker_process.pid


def test_it_records_the_worker_heartbeat_that_healthz_reads(celery_worker_process, client, db):
    cache.delete(WORKER_SEEN_KEY)

    heartbeat_task.delay()
    wait_until(lambda: cache.get(WORKER_SEEN_KEY), seconds=60, what="the heartbeat task")

    assert client.get("/healthz").json()["checks"]["worker"]["status"] == "ok"
