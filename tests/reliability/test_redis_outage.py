"""Redis down: what the API has committed it answers (issue 15, item 4). The real SDK adds and
exports through a live server while this run's redis-server is dead; each gets its PENDING
event, not a 500; once Redis is back, re-queueing (beat's job) and a real worker finish them."""

from __future__ import annotations

import contextlib
import json
import os

import httpx
import pytest

from memories.models import Event, Memory
from memories.services.extraction import events_requeue
from memories.webhooks.services import webhook_create
from tests.conftest import Tenant, start_worker, stop_process, wait_until
from tests.reliability.conftest import redis_start, redis_stop

os.environ["MEM0_TELEMETRY"] = "false"  # before mem0 is imported: no calls to a third party
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SCHEMA = {"type": "object", "properties": {"diet": {"type": "string"}}}


@pytest.fixture
def alice(live_server):
    return Tenant("alice@example.com", "OWNER")


@pytest.fixture
def client(alice, live_server):
    from mem0 import MemoryClient

    return MemoryClient(api_key=alice.key, host=live_server.url)


def settle(event_ids: list[str]) -> None:
    def done() -> bool:
        with contextlib.suppress(Exception):  # as beat would, every few seconds
            events_requeue()
        return Event.objects.filter(pk__in=event_ids, status="SUCCEEDED").count() == len(event_ids)

    wait_until(done, seconds=90, interval=1, what="the events to succeed")


def test_it_accepts_adds_and_exports_while_redis_is_down_and_finishes_them_after(client, settings):
    settings.EXTRACTION_REQUEUE_AFTER_SECONDS = 0
    redis_stop()
    try:
        added = client.add(
            [{"role": "user", "content": "My name is Wen and I live in Chengdu."}],
            user_id="alice",
        )
        exported = client.create_memory_export(json.dumps(SCHEMA), filters={"user_id": "alice"})
    finally:
        redis_start()
    assert added["status"] == "PENDING"
    event_ids = [added["event_id"], exported["id"]]
    assert set(Event.objects.filter(pk__in=event_ids).values_list("status", flat=True)) == {
        "PENDING"
    }

    worker = start_worker()
    try:
        settle(event_ids)
    finally:
        stop_process(worker)
    assert Memory.objects.filter(user_id="alice").exists()
    assert Event.objects.count() == 2  # nothing was created twice


def test_it_answers_a_memory_update_that_notifies_a_webhook_while_redis_is_down(
    alice, client, live_server, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    memory = client.add("I drink green tea.", user_id="alice", infer=False)["results"][0]
    webhook_create(
        project=alice.project,
        name="hook",
        url="http://127.0.0.1:9/engram",  # never delivered: the queue is down
        event_types=["memory_update"],
    )
    redis_stop()
    try:
        answer = httpx.put(
            f"{live_server.url}/v1/memories/{memory['id']}/",
            json={"text": "我喜欢喝绿茶"},
            headers={"Authorization": f"Token {alice.key}"},
        )
    finally:
        redis_start()
    assert answer.status_code == 200, answer.text
    assert Memory.objects.get(pk=memory["id"]).text == "我喜欢喝绿茶"
