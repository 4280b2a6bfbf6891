"""Memory changes from the API and from extraction reach the project's webhooks."""

import pytest

from memories.models import Memory
from memories.models_webhooks import WebhookDelivery
from memories.services.extraction import extraction_run
from memories.webhooks.services import webhook_create

EVENTS = ["memory_add", "memory_update", "memory_delete", "memory_categorize"]


@pytest.fixture
def deliveries(alice, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.LLM_MODEL = ""
    webhook_create(project=alice.project, name="log", url="http://127.0.0.1:9/", event_types=EVENTS)

    def deliveries():
        return [
            (d.event_type, d.payload["event_details"])
            for d in WebhookDelivery.objects.order_by("id")
        ]

    return deliveries


def test_extraction_notifies_adds_and_categories(alice, deliveries):
    body = {"messages": "I'm vegetarian.", "user_id": "alice"}
    event_id = alice.client().post("/v3/memories/add/", body, format="json").json()["event_id"]

    extraction_run(event_id=event_id)

    memory = Memory.objects.get()
    assert deliveries() == [
        ("memory_add", {"id": str(memory.id), "data": {"memory": "Is vegetarian"}, "event": "ADD"}),
        (
            "memory_categorize",
            {"event": "CATEGORIZE", "memory_id": str(memory.id), "categories": ["food"]},
        ),
    ]


def test_api_update_and_delete_notify(alice, add, deliveries):
    [memory_id] = add("I like tea.")

    alice.client().put(f"/v1/memories/{memory_id}/", {"text": "I like coffee."}, format="json")
    alice.client().delete(f"/v1/memories/{memory_id}/")

    assert [(kind, details["event"]) for kind, details in deliveries()] == [
        ("memory_add", "ADD"),
        ("memory_update", "UPDATE"),
        ("memory_delete", "DELETE"),
    ]
    assert deliveries()[2][1]["data"] == {"memory": "I like coffee."}


def test_delete_all_notifies_each_memory(alice, add, deliveries):
    add("one", "two")

    alice.client().delete("/v1/memories/?user_id=alice")

    assert [kind for kind, _ in deliveries()].count("memory_delete") == 2
