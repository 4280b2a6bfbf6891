"""End to end: webhooks_notify -> Redis -> a real `celery worker` -> a receiver on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys

import pytest

from memories.models_webhooks import WebhookDelivery
from memories.webhooks.services import (
    webhook_categorize_event,
    webhook_create,
    webhook_memory_event,
    webhooks_notify,
)
from tests.conftest import REPO_ROOT, repo_env, wait_until
from tests.memories.test_webhooks_support import Receiver

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# The worker runs the test settings on this run's test database; it must also reach a receiver
# on 127.0.0.1 and retry quickly. Settings have no env switch for those, so set them in-process.
WORKER = """
import sys
from django.conf import settings

settings.WEBHOOKS_ALLOW_PRIVATE = True
settings.WEBHOOKS_RETRY_BASE_SECONDS = 0.2
from celery.__main__ import main

sys.argv = ["celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO",
            "--without-mingle", "--without-gossip", "--hostname=webhooks@%h"]
main()
"""


@pytest.fixture
def webhook_worker():
    env = repo_env(ENGRAM_USE_TEST_DATABASE="1", WEBHOOKS_ALLOW_PRIVATE="true")
    process = subprocess.Popen(
        [sys.executable, "-c", WORKER],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def receiver():
    # The first attempt of every ADD fails: the worker must retry it before the later events.
    receiver = Receiver(
        script=lambda body, attempt: (
            500 if body["event_details"]["event"] == "ADD" and attempt == 1 else 200
        )
    )
    yield receiver
    receiver.close()


def test_a_worker_delivers_every_event_once_in_order_per_memory(receiver, webhook_worker, settings):
    from tests.conftest import Tenant

    settings.WEBHOOKS_ALLOW_PRIVATE = True
    alice = Tenant("alice@example.com", "OWNER")
    hook = webhook_create(
        project=alice.project,
        name="e2e",
        url=receiver.url,
        event_types=["memory_add", "memory_update", "memory_delete", "memory_categorize"],
    )
    receiver.secret = hook.secret
    project = alice.project

    adds = [webhook_memory_event(memory_id=m, memory=m, event="ADD") for m in ("m1", "m2")]
    webhooks_notify(project=project, event_type="memory_add", payloads=adds)
    update = webhook_memory_event(memory_id="m1", memory="m1 v2", event="UPDATE")
    webhooks_notify(project=project, event_type="memory_update", payloads=[update])
    categorize = webhook_categorize_event(memory_id="m2", categories=["travel"])
    webhooks_notify(project=project, event_type="memory_categorize", payloads=[categorize])
    delete = webhook_memory_event(memory_id="m1", memory="m1 v2", event="DELETE")
    webhooks_notify(project=project, event_type="memory_delete", payloads=[delete])

    def finished():
        return not WebhookDelivery.objects.filter(status="PENDING").exists()

    wait_until(finished, seconds=90, what="the worker to finish every delivery")

    def events(memory_id):
        return [
            body["event_details"]["event"]
            for body in receiver.accepted
            if memory_id
            in (body["event_details"].get("id"), body["event_details"].get("memory_id"))
        ]

    assert receiver.bad_signatures == 0
    assert events("m1") == ["ADD", "UPDATE", "DELETE"]
    assert events("m2") == ["ADD", "CATEGORIZE"]
    attempts = dict(
        WebhookDelivery.objects.values_list("payload__event_details__event", "attempts")
    )
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"SUCCEEDED"}
    assert attempts["ADD"] == 2 and attempts["UPDATE"] == attempts["DELETE"] == 1
