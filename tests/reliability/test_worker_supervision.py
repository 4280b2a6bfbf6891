"""The worker as every deployment runs it (`python -m config.worker`, issue 15 item 3): a Celery
worker that dies is started again, Redis restarts with unacknowledged messages in flight do not
end it, and stopping the supervisor stops the worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from memories.models import Event
from tests.conftest import REPO_ROOT, repo_env, stop_process, wait_until
from tests.reliability.conftest import redis_restart
from tests.reliability.test_extraction_durability import FAST_RECOVERY, add_many, settle

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fast_recovery(settings):
    settings.EXTRACTION_LEASE_SECONDS = 4
    settings.EXTRACTION_REQUEUE_AFTER_SECONDS = 4


@pytest.fixture
def supervised(tmp_path):
    """`python -m config.worker` with the production pool (prefork, 2 processes)."""
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "config.worker", "--concurrency=2", "--hostname=sup@%h"],
            cwd=REPO_ROOT,
            env=repo_env(ENGRAM_USE_TEST_DATABASE="1", **FAST_RECOVERY),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    process.log_path = log_path
    yield process
    stop_process(process)


def celery_children(supervisor: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{supervisor.pid}/task/{supervisor.pid}/children").read_text()
    return [int(pid) for pid in children.split()]


def log_of(process) -> str:
    return Path(process.log_path).read_text()


def test_it_starts_a_killed_worker_again_and_the_new_one_works(alice, fast_recovery, supervised):
    wait_until(lambda: "ready." in log_of(supervised), seconds=60, what="the worker")
    (first,) = celery_children(supervised)
    os.kill(first, signal.SIGKILL)

    wait_until(lambda: log_of(supervised).count("ready.") == 2, seconds=60, what="a new worker")
    assert celery_children(supervised) != [first]
    assert "the worker exited with code -9; starting it again" in log_of(supervised)
    settle(add_many(alice))


def test_it_keeps_the_same_worker_through_redis_restarts_with_work_in_flight(
    alice, fast_recovery, supervised
):
    wait_until(lambda: "ready." in log_of(supervised), seconds=60, what="the worker")
    (worker,) = celery_children(supervised)
    event_ids = add_many(alice)
    for _ in range(3):
        wait_until(lambda: "received" in log_of(supervised), seconds=60, what="work in flight")
        redis_restart()
        wait_until(
            lambda: "Connected to redis" in log_of(supervised).rsplit("lost", 1)[-1],
            seconds=60,
            what="the worker to reconnect",
        )
    settle(event_ids)

    assert celery_children(supervised) == [worker]  # the same process: it never died
    assert "exited with code" not in log_of(supervised)
    assert Event.objects.filter(pk__in=event_ids, status="SUCCEEDED").count() == len(event_ids)


def test_stopping_the_supervisor_stops_the_worker(supervised):
    wait_until(lambda: "ready." in log_of(supervised), seconds=60, what="the worker")
    (worker,) = celery_children(supervised)
    supervised.send_signal(signal.SIGTERM)

    assert supervised.wait(30) == 0
    assert (
        not Path(f"/proc/{worker}").exists()
        or "zombie" in Path(f"/proc/{worker}/status").read_text()
    )
    assert "starting it again" not in log_of(supervised)
