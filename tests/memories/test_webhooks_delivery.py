"""webhooks_notify and webhook_deliver against a real receiver on 127.0.0.1 that checks the
Standard Webhooks signature itself."""

from __future__ import annotations

import json
import socket
import uuid

import httpx
import pytest
from django.utils import timezone

from memories.models_webhooks import Webhook, WebhookDelivery
from memories.webhooks import services
from memories.webhooks.services import (
    webhook_categorize_event,
    webhook_create,
    webhook_deliver,
    webhook_memory_event,
    webhooks_notify,
)
from memories.webhooks.tasks import webhook_deliver_task
from tests.memories.test_webhooks_support import Receiver, use_fake_dns

ALL_EVENTS = ["memory_add", "memory_update", "memory_delete", "memory_categorize"]


@pytest.fixture(autouse=True)
def fast_retries(settings, monkeypatch):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 0
    settings.WEBHOOKS_TIMEOUT_SECONDS = 5
    return use_fake_dns(monkeypatch)


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def hook(alice, receiver):
    webhook = webhook_create(
        project=alice.project, name="r", url=receiver.url, event_types=ALL_EVENTS
    )
    receiver.secret = webhook.secret
    return webhook


def notify_add(project, *memory_ids):
    payloads = [
        webhook_memory_event(memory_id=m, memory=f"text {m}", event="ADD") for m in memory_ids
    ]
    webhooks_notify(project=project, event_type="memory_add", payloads=payloads)


def delivery(**filters) -> WebhookDelivery:
    return WebhookDelivery.objects.get(**filters)


def drain(*, newest_first: bool = False, rounds: int = 20) -> None:
    """Run every PENDING delivery until none is left, as many workers in any order would."""
    for _ in range(rounds):
        pending = WebhookDelivery.objects.filter(status="PENDING").order_by("id")
        ids = list(pending.values_list("id", flat=True))
        if not ids:
            return
        for delivery_id in reversed(ids) if newest_first else ids:
            webhook_deliver(delivery_id=delivery_id)
        pending.update(next_attempt_at=timezone.now())  # skip the waits
    raise AssertionError("deliveries still pending")


# --- webhooks_notify -------------------------------------------------------------------------


def test_notify_queues_one_delivery_per_subscribed_active_webhook(
    alice, charlie, hook, django_capture_on_commit_callbacks
):
    url = "https://hooks.example.com/x"
    webhook_create(project=alice.project, name="deletes", url=url, event_types=["memory_delete"])
    webhook_create(
        project=alice.project, name="off", url=url, event_types=["memory_add"], is_active=False
    )
    webhook_create(project=charlie.project, name="theirs", url=url, event_types=["memory_add"])

    with django_capture_on_commit_callbacks() as callbacks:
        notify_add(alice.project, "m1", "m2")

    rows = WebhookDelivery.objects.order_by("id")
    assert [(d.webhook, d.memory_id, d.status) for d in rows] == [
        (hook, "m1", "PENDING"),
        (hook, "m2", "PENDING"),
    ]
    assert len(callbacks) == 2  # one task each, enqueued on commit


def test_notify_stores_the_contract_bodies(alice, hook):
    memory_id = uuid.uuid4()
    webhooks_notify(
        project=alice.project,
        event_type="memory_update",
        payloads=[webhook_memory_event(memory_id=memory_id, memory="Likes tea", event="UPDATE")],
    )
    webhooks_notify(
        project=alice.project,
        event_type="memory_categorize",
        payloads=[webhook_categorize_event(memory_id=memory_id, categories=["food"])],
    )

    update, categorize = WebhookDelivery.objects.order_by("id")
    assert update.payload == {
        "event_details": {"id": str(memory_id), "data": {"memory": "Likes tea"}, "event": "UPDATE"}
    }
    assert categorize.payload == {
        "event_details": {
            "event": "CATEGORIZE",
            "memory_id": str(memory_id),
            "categories": ["food"],
        }
    }
    assert update.memory_id == categorize.memory_id == str(memory_id)
    assert update.message_id != categorize.message_id


def test_notify_without_webhooks_writes_nothing(alice):
    notify_add(alice.project, "m1")

    assert not WebhookDelivery.objects.exists()


def test_notify_refuses_an_unknown_event_type(alice, hook):
    with pytest.raises(ValueError, match="unknown webhook event type"):
        webhooks_notify(project=alice.project, event_type="memory_explode", payloads=[{}])


# --- webhook_deliver -------------------------------------------------------------------------


def test_it_delivers_every_event_once_in_order_per_memory_with_valid_signatures(
    alice, hook, receiver
):
    m1, m2 = "mem-1", "mem-2"
    notify_add(alice.project, m1, m2)
    update = webhook_memory_event(memory_id=m1, memory="v2", event="UPDATE")
    webhooks_notify(project=alice.project, event_type="memory_update", payloads=[update])
    categorize = webhook_categorize_event(memory_id=m2, categories=["x"])
    webhooks_notify(project=alice.project, event_type="memory_categorize", payloads=[categorize])
    delete = webhook_memory_event(memory_id=m1, memory="v2", event="DELETE")
    webhooks_notify(project=alice.project, event_type="memory_delete", payloads=[delete])

    drain(newest_first=True)  # the worst order: newer deliveries must wait for older ones

    def events(memory_id):
        found = []
        for body in receiver.accepted:
            details = body["event_details"]
            if memory_id in (details.get("id"), details.get("memory_id")):
                found.append(details["event"])
        return found

    assert receiver.bad_signatures == 0
    assert events(m1) == ["ADD", "UPDATE", "DELETE"]
    assert events(m2) == ["ADD", "CATEGORIZE"]
    assert sorted(receiver.message_ids()) == sorted(
        WebhookDelivery.objects.values_list("message_id", flat=True)
    )
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {("SUCCEEDED", 1)}


def test_it_sends_the_standard_webhooks_headers_and_the_exact_body(alice, hook, receiver):
    notify_add(alice.project, "m1")
    row = delivery()

    assert webhook_deliver(delivery_id=row.pk) is None

    [request] = receiver.requests
    headers = request["headers"]
    assert headers["webhook-id"] == row.message_id
    assert headers["webhook-signature"].startswith("v1,")
    assert abs(int(headers["webhook-timestamp"]) - timezone.now().timestamp()) < 60
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == "Engram-Webhooks/1"
    assert json.loads(request["body"]) == row.payload
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_response_code) == ("SUCCEEDED", 1, 200)
    assert row.completed_at is not None


def test_a_succeeded_delivery_is_never_sent_again(alice, hook, receiver):
    notify_add(alice.project, "m1")
    row = delivery()
    webhook_deliver(delivery_id=row.pk)

    assert webhook_deliver(delivery_id=row.pk) is None
    assert len(receiver.requests) == 1


def test_it_retries_500s_and_succeeds_on_the_third_attempt(alice, hook, receiver):
    receiver.script = lambda body, attempt: 500 if attempt <= 2 else 200
    notify_add(alice.project, "m1")
    row = delivery()

    results = [webhook_deliver(delivery_id=row.pk) for _ in range(3)]

    row.refresh_from_db()
    assert results[0] is not None and results[1] is not None and results[2] is None
    assert (row.status, row.attempts, row.last_response_code) == ("SUCCEEDED", 3, 200)
    assert receiver.message_ids() == [row.message_id] * 3  # the same webhook-id each time
    assert [r["status"] for r in receiver.requests] == [500, 500, 200]
    assert receiver.bad_signatures == 0


def test_a_retry_is_not_sent_before_its_backoff(alice, hook, receiver, settings):
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 15
    receiver.script = lambda body, attempt: 503
    notify_add(alice.project, "m1")
    row = delivery()

    first = webhook_deliver(delivery_id=row.pk)
    second = webhook_deliver(delivery_id=row.pk)

    assert 7.5 <= first <= 15
    assert 0 < second <= first
    assert len(receiver.requests) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("PENDING", 1, "HTTP 503")


def test_backoff_grows_exponentially_with_jitter_and_is_capped(settings):
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 15
    for attempts, full in [(1, 15), (2, 60), (3, 240), (4, 960), (5, 1800), (9, 1800)]:
        assert full / 2 <= services._backoff_seconds(attempts) <= full


def test_a_permanently_failing_receiver_ends_failed_with_the_code(alice, hook, receiver, settings):
    settings.WEBHOOKS_MAX_ATTEMPTS = 4
    receiver.script = lambda body, attempt: 503
    notify_add(alice.project, "m1")
    row = delivery()

    results = [webhook_deliver(delivery_id=row.pk) for _ in range(5)]

    row.refresh_from_db()
    assert results[3:] == [None, None]
    assert (row.status, row.attempts, row.last_response_code) == ("FAILED", 4, 503)
    assert row.last_error == "HTTP 503"
    assert len(receiver.requests) == 4


def test_a_network_error_is_recorded_and_retried(alice, hook, receiver):
    receiver.close()  # nothing listens on that port any more
    notify_add(alice.project, "m1")
    row = delivery()

    assert webhook_deliver(delivery_id=row.pk) is not None

    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_response_code) == ("PENDING", 1, None)
    assert row.last_error.startswith("ConnectError")


def test_redirects_are_not_followed(alice, hook, receiver, settings):
    settings.WEBHOOKS_MAX_ATTEMPTS = 1
    receiver.script = lambda body, attempt: 302
    notify_add(alice.project, "m1")
    row = delivery()

    webhook_deliver(delivery_id=row.pk)

    row.refresh_from_db()
    assert (row.status, row.last_response_code) == ("FAILED", 302)
    assert row.last_error == "HTTP 302 (redirects are not followed)"
    assert len(receiver.requests) == 1


def test_a_newer_delivery_waits_while_an_older_one_of_the_same_memory_is_pending(
    alice, hook, receiver
):
    receiver.script = lambda body, attempt: 500 if body["event_details"]["event"] == "ADD" else 200
    notify_add(alice.project, "m1")
    update = webhook_memory_event(memory_id="m1", memory="v2", event="UPDATE")
    webhooks_notify(project=alice.project, event_type="memory_update", payloads=[update])
    notify_add(alice.project, "m2")
    add1, update1, add2 = WebhookDelivery.objects.order_by("id")

    webhook_deliver(delivery_id=add1.pk)  # 500: stays PENDING
    wait = webhook_deliver(delivery_id=update1.pk)
    webhook_deliver(delivery_id=add2.pk)

    update1.refresh_from_db()
    assert wait >= 1
    assert (update1.status, update1.attempts) == ("PENDING", 0)  # waiting spends no attempt
    assert [r["headers"]["webhook-id"] for r in receiver.requests] == [
        add1.message_id,
        add2.message_id,  # another memory is not held back
    ]


def test_a_failed_older_delivery_no_longer_holds_back_newer_ones(alice, hook, receiver, settings):
    settings.WEBHOOKS_MAX_ATTEMPTS = 1
    receiver.script = lambda body, attempt: 500 if body["event_details"]["event"] == "ADD" else 200
    notify_add(alice.project, "m1")
    update = webhook_memory_event(memory_id="m1", memory="v2", event="UPDATE")
    webhooks_notify(project=alice.project, event_type="memory_update", payloads=[update])

    drain()

    assert list(WebhookDelivery.objects.order_by("id").values_list("status", flat=True)) == [
        "FAILED",
        "SUCCEEDED",
    ]


def test_an_attempt_in_flight_is_not_sent_twice(alice, hook, receiver):
    notify_add(alice.project, "m1")
    row = delivery()
    later = timezone.now() + timezone.timedelta(seconds=30)
    WebhookDelivery.objects.filter(pk=row.pk).update(claimed_until=later, attempts=1)

    wait = webhook_deliver(delivery_id=row.pk)

    assert 25 < wait <= 30  # comes back when the other worker's lease ends
    assert receiver.requests == []


def test_a_deleted_webhook_stops_its_deliveries(alice, hook, receiver):
    notify_add(alice.project, "m1")
    row = delivery()
    hook.delete()

    assert webhook_deliver(delivery_id=row.pk) is None
    assert receiver.requests == []


def test_a_disabled_webhook_fails_its_pending_deliveries(alice, hook, receiver):
    notify_add(alice.project, "m1")
    Webhook.objects.filter(pk=hook.pk).update(is_active=False)

    webhook_deliver(delivery_id=delivery().pk)

    assert (delivery().status, delivery().last_error) == ("FAILED", "The webhook is disabled.")
    assert receiver.requests == []


def test_the_connection_goes_to_the_checked_address_with_the_original_host(
    alice, receiver, fast_retries
):
    fast_retries["receiver.test"] = ["127.0.0.1"]
    port = receiver.server.server_address[1]
    hook = webhook_create(
        project=alice.project,
        name="named",
        url=f"http://receiver.test:{port}/hook",
        event_types=["memory_add"],
    )
    receiver.secret = hook.secret
    notify_add(alice.project, "m1")

    webhook_deliver(delivery_id=delivery().pk)

    assert receiver.requests[0]["headers"]["host"] == f"receiver.test:{port}"
    assert delivery().status == "SUCCEEDED"


# --- SSRF at delivery time -------------------------------------------------------------------


@pytest.fixture
def no_connections(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(httpx.Client, "send", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_dns_that_changes_to_a_metadata_address_fails_the_delivery_without_connecting(
    alice, settings, fast_retries, no_connections
):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    webhook_create(
        project=alice.project,
        name="public",
        url="https://hooks.example.com/in",
        event_types=["memory_add"],
    )
    fast_retries["hooks.example.com"] = ["169.254.169.254"]  # rebinding after the check
    notify_add(alice.project, "m1")

    assert webhook_deliver(delivery_id=delivery().pk) is None

    row = delivery()
    assert (row.status, row.attempts, row.last_response_code) == ("FAILED", 1, None)
    assert "169.254.169.254" in row.last_error and "link-local" in row.last_error


@pytest.mark.parametrize(
    "url", ["http://10.0.0.1/", "http://192.168.1.1/", "http://169.254.169.254/", "http://[::1]/"]
)
def test_a_stored_private_url_fails_without_connecting(alice, settings, no_connections, url):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    Webhook.objects.create(project=alice.project, name="old", url=url, event_types=["memory_add"])
    notify_add(alice.project, "m1")

    webhook_deliver(delivery_id=delivery().pk)

    assert delivery().status == "FAILED"
    assert delivery().last_error.startswith("Webhook URL refused: ")


# --- requeue ---------------------------------------------------------------------------------


def test_requeue_enqueues_only_overdue_deliveries_not_in_flight(alice, hook, monkeypatch):
    sent = []
    monkeypatch.setattr(services.webhook_deliver_task, "delay", sent.append)
    notify_add(alice.project, "old", "flying", "fresh")
    old, flying, _fresh = WebhookDelivery.objects.order_by("id")
    past = timezone.now() - timezone.timedelta(minutes=10)
    WebhookDelivery.objects.filter(pk__in=[old.pk, flying.pk]).update(next_attempt_at=past)
    WebhookDelivery.objects.filter(pk=flying.pk).update(
        claimed_until=timezone.now() + timezone.timedelta(seconds=30)
    )

    assert services.webhook_deliveries_requeue() == 1
    assert sent == [old.pk]


# --- the Celery task (run eagerly here; test_webhooks_worker.py runs a real worker) ----------


def test_the_task_retries_through_celery_until_the_delivery_succeeds(alice, hook, receiver):
    receiver.script = lambda body, attempt: 500 if attempt == 1 else 204
    notify_add(alice.project, "m1")

    webhook_deliver_task.apply(args=[delivery().pk])

    assert (delivery().status, delivery().attempts, delivery().last_response_code) == (
        "SUCCEEDED",
        2,
        204,
    )
