"""`POST /v1/summary/` (§5.15): synchronous, an array of one summary, kept as an event."""

from __future__ import annotations

from datetime import datetime

import pytest

from memories.models import Event
from tests.memories.test_jobs_exports import llm, offline, remember  # noqa: F401 - fixtures

OFFLINE = (
    "food: Is vegetarian; Loves sushi. work: Works as a nurse. uncategorized: Has a cat named Miso."
)


@pytest.fixture
def facts(alice):
    remember(alice, "Is vegetarian", "food", minute=1)
    remember(alice, "Works as a nurse", "work", "career", minute=2)
    remember(alice, "Loves sushi.", "food", minute=3)
    remember(alice, "Has a cat named Miso", minute=4)
    remember(alice, "Bob's secret", "food", user_id="bob", minute=5)


def summary(tenant, body):
    return tenant.client().post("/v1/summary/", body, format="json")


def test_offline_summary_groups_the_memories_by_category(alice, facts):
    response = summary(alice, {"filters": {"user_id": "alice"}})

    assert response.status_code == 200, response.content
    [item] = response.json()
    assert item["summary"] == OFFLINE
    assert item["memory_count"] == 4
    assert item["filters"] == {"user_id": "alice"}
    assert datetime.fromisoformat(item["created_at"])


def test_the_summary_is_recorded_as_a_succeeded_event(alice, facts):
    answer = summary(alice, {"filters": {"AND": [{"user_id": "alice"}]}}).json()

    event = Event.objects.get(project=alice.project, event_type="SUMMARY")
    assert event.status == "SUCCEEDED"
    assert event.results == answer
    assert event.payload == {"filters": {"user_id": "alice"}}


def test_structured_filters_narrow_the_summary(alice, facts):
    body = {"filters": {"AND": [{"user_id": "alice"}, {"categories": {"in": ["work"]}}]}}

    [item] = summary(alice, body).json()

    assert (item["summary"], item["memory_count"]) == ("work: Works as a nurse.", 1)


def test_no_matching_memories_is_a_summary_saying_so(alice, facts):
    [item] = summary(alice, {"filters": {"user_id": "nobody"}}).json()

    assert (item["summary"], item["memory_count"]) == ("No memories match these filters.", 0)


@pytest.mark.parametrize("body", [{}, {"filters": None}, {"filters": {}}])
def test_no_filters_is_a_400(alice, body):
    response = summary(alice, body)

    assert response.status_code == 400
    assert response.json()["detail"].startswith("filters: required")


def test_filters_without_an_entity_are_a_400(alice):
    response = summary(alice, {"filters": {"categories": {"in": ["food"]}}})

    assert response.status_code == 400
    assert "entity ID" in response.json()["detail"]


def test_a_reader_may_summarise_and_another_tenant_sees_nothing(alice, bob, charlie, facts):
    assert summary(bob, {"filters": {"user_id": "alice"}}).json()[0]["memory_count"] == 4
    assert summary(charlie, {"filters": {"user_id": "alice"}}).json()[0]["memory_count"] == 0


def test_the_llm_writes_the_summary_when_configured(alice, facts, llm):  # noqa: F811
    llm.set_chat_responder({"summary": "Alice is a vegetarian nurse with a cat."})

    [item] = summary(alice, {"filters": {"user_id": "alice"}}).json()

    assert item["summary"] == "Alice is a vegetarian nurse with a cat."
    prompt = llm.chat_requests[0].json["messages"][1]["content"]
    assert "Has a cat named Miso" in prompt and "Bob's secret" not in prompt
    assert Event.objects.get(event_type="SUMMARY").usage is not None


def test_a_failing_llm_falls_back_to_the_offline_summary_with_a_warning(alice, facts, llm):  # noqa: F811
    llm.set_chat_responder("garbage")

    [item] = summary(alice, {"filters": {"user_id": "alice"}}).json()

    assert item["summary"] == OFFLINE
    event = Event.objects.get(event_type="SUMMARY")
    assert "offline summary used" in event.metadata["warnings"][0]
