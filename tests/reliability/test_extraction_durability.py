"""Nothing lost: 200 async adds in flight, the worker SIGKILLed (or Redis restarted) mid-run,
and still every event ends SUCCEEDED exactly once, with no duplicate memory."""

from __future__ import annotations

import contextlib
import os
import signal

import pytest

from memories.models import Event, Memory
from memories.services.extraction import events_requeue
from tests.conftest import start_worker, stop_process, wait_until
from tests.reliability.conftest import redis_restart

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ADDS = 200
FAST_RECOVERY = {"EXTRACTION_LEASE_SECONDS": "4", "EXTRACTION_REQUEUE_AFTER_SECONDS": "4"}


@pytest.fixture
def fast_recovery(settings):
    settings.EXTRACTION_LEASE_SECONDS = 4
    settings.EXTRACTION_REQUEUE_AFTER_SECONDS = 4


def add_many(tenant) -> list[str]:
    client = tenant.client()
    return [
        client.post(
            "/v3/memories/add/",
            {"messages": f"My name is Person{i}.", "user_id": f"user-{i}"},
            format="json",
        ).json()["event_id"]
        for i in range(ADDS)
    ]


def succeeded() -> int:
    return Event.objects.filter(status="SUCCEEDED").count()


def settle(event_ids: list[str]) -> None:
    """Wait for every event, running the beat job (re-queueing) as beat would."""

    def done() -> bool:
        with contextlib.suppress(Exception):  # Redis may still be coming back
            events_requeue()
        return Event.objects.filter(pk__in=event_ids, status="SUCCEEDED").count() == ADDS

    wait_until(done, seconds=240, interval=2, what="every event SUCCEEDED")


def assert_exactly_once(event_ids: list[str]) -> None:
    events = Event.objects.filter(pk__in=event_ids)
    assert {e.status for e in events} == {"SUCCEEDED"}
    assert all([r["event"] for r in e.results] == ["ADD"] for e in events)
    texts = list(Memory.objects.values_list("user_id", "text"))
    assert len(texts) == len(set(texts)) == ADDS
    assert {text for _, text in texts} == {f"Name is Person{i}" for i in range(ADDS)}


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(alice, fast_recovery):
    event_ids = add_many(alice)
    worker = start_worker(**FAST_RECOVERY)
    wait_until(lambda: succeeded() >= 30, seconds=120, what="the first events")

    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    before_restart = succeeded()
    worker = start_worker(**FAST_RECOVERY)
    try:
        settle(event_ids)
    finally:
        stop_process(worker)

    assert before_restart < ADDS
    assert_exactly_once(event_ids)


def test_a_redis_restart_mid_run_loses_and_duplicates_nothing(alice, fast_recovery):
    event_ids = add_many(alice)
    worker = start_worker(**FAST_RECOVERY)
    try:
        wait_until(lambda: succeeded() >= 30, seconds=120, what="the first events")
        redis_restart()
        settle(event_ids)
    finally:
        stop_process(worker)

    assert_exactly_once(event_ids)
