import hashlib
from datetime import UTC, datetime

import pytest

from memories.models import Entity, Event, Memory, MemoryHistory

ADD = "/v3/memories/add/"


def post(tenant, body):
    return tenant.client().post(ADD, body, format="json")


def test_it_stores_each_message_verbatim_with_history(alice):
    body = {
        "messages": [
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": "I am vegetarian."},
            {"role": "assistant", "content": "Noted, no meat."},
        ],
        "user_id": "alice",
        "agent_id": "chef",
        "metadata": {"source": "onboarding"},
        "infer": False,
    }

    response = post(alice, body)

    answer = response.json()
    assert answer["status"] == "SUCCEEDED" and answer["message"] == "Memories stored successfully"
    assert [r["data"]["memory"] for r in answer["results"]] == [
        "I am vegetarian.",
        "Noted, no meat.",
    ]
    assert {r["event"] for r in answer["results"]} == {"ADD"}
    memory = Memory.objects.get(pk=answer["results"][0]["id"])
    assert (memory.user_id, memory.agent_id, memory.metadata) == (
        "alice",
        "chef",
        {"source": "onboarding"},
    )
    assert memory.hash == hashlib.md5(b"I am vegetarian.").hexdigest()
    assert len(memory.embedding) == 384
    assert MemoryHistory.objects.get(memory=memory).event == "ADD"
    assert set(Entity.objects.values_list("type", "name")) == {("user", "alice"), ("agent", "chef")}
    assert Event.objects.get(pk=answer["event_id"]).status == "SUCCEEDED"


def test_it_answers_noop_for_a_text_the_scope_already_holds(alice, add):
    first = add("I like tea.")

    second = post(alice, {"messages": "I like tea.", "user_id": "alice", "infer": False}).json()

    assert second["results"] == [
        {"id": first[0], "data": {"memory": "I like tea."}, "event": "NOOP"}
    ]
    assert Memory.objects.count() == 1


def test_the_same_text_in_another_scope_is_a_new_memory(alice, add):
    add("I like tea.")

    add("I like tea.", user_id="bob")

    assert Memory.objects.count() == 2


def test_it_takes_the_scope_from_filters_as_python_2_docs_say(alice):
    body = {
        "messages": [{"role": "user", "content": "hi"}],
        "filters": {"user_id": "alice"},
        "infer": False,
    }

    post(alice, body)

    assert Memory.objects.get().user_id == "alice"


def test_it_back_dates_and_sets_expiry(alice):
    body = {
        "messages": "Trip to Rome",
        "user_id": "alice",
        "infer": False,
        "timestamp": 1_700_000_000,
        "expiration_date": "2030-01-31",
        "immutable": True,
    }

    post(alice, body)

    memory = Memory.objects.get()
    assert memory.created_at == datetime.fromtimestamp(1_700_000_000, tz=UTC)
    assert memory.expiration_date.isoformat() == "2030-01-31"
    assert memory.immutable is True


def test_it_keeps_images_as_text(alice):
    content = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}

    post(
        alice, {"messages": [{"role": "user", "content": content}], "user_id": "a", "infer": False}
    )

    assert Memory.objects.get().text == "[image] https://example.com/cat.png"


def test_with_inference_it_queues_a_pending_event(alice):
    response = post(alice, {"messages": "I moved to Austin", "user_id": "alice"})

    event = Event.objects.get(pk=response.json()["event_id"])
    assert response.json() == {"event_id": str(event.id), "status": "PENDING"}
    assert event.payload["messages"] == [{"role": "user", "content": "I moved to Austin"}]
    assert event.payload["user_id"] == "alice"


def test_an_idempotency_key_returns_the_first_event(alice):
    client = alice.client()
    body = {"messages": "I moved to Austin", "user_id": "alice"}

    first = client.post(ADD, body, format="json", headers={"Idempotency-Key": "k1"}).json()
    again = client.post(ADD, body, format="json", headers={"Idempotency-Key": "k1"}).json()

    assert first["event_id"] == again["event_id"]
    assert Event.objects.count() == 1


def test_an_idempotency_key_replays_a_verbatim_add(alice):
    client = alice.client()
    body = {"messages": "I moved to Austin", "user_id": "alice", "infer": False}

    first = client.post(ADD, body, format="json", headers={"Idempotency-Key": "k2"}).json()
    again = client.post(ADD, body, format="json", headers={"Idempotency-Key": "k2"}).json()

    assert again == first
    assert [r["event"] for r in again["results"]] == ["ADD"]
    assert Event.objects.count() == 1


@pytest.mark.parametrize(
    "body, message",
    [
        ({"messages": "hi"}, "At least one of user_id, agent_id, app_id or run_id is required."),
        ({"user_id": "a"}, "messages: a non-empty list of {role, content} is required"),
        (
            {"messages": [], "user_id": "a"},
            "messages: a non-empty list of {role, content} is required",
        ),
        (
            {"messages": [{"role": "boss", "content": "x"}], "user_id": "a"},
            "messages[0].role: must be user, assistant or system",
        ),
        (
            {"messages": [{"role": "user"}], "user_id": "a"},
            "messages[0]: expected an object with role and content",
        ),
        ({"messages": "x", "user_id": "a", "metadata": [1]}, "metadata: expected an object"),
        (
            {"messages": "x", "user_id": "a", "infer": "maybe"},
            "infer: expected true or false, got 'maybe'",
        ),
        (
            {"messages": "x", "user_id": "a", "expiration_date": "tomorrow"},
            "expiration_date: expected a date YYYY-MM-DD, got 'tomorrow'",
        ),
        (
            {"messages": "x", "user_id": "a", "timestamp": "noon"},
            "timestamp: expected Unix seconds or an ISO-8601 datetime",
        ),
        (
            {"messages": "x", "user_id": "a", "custom_categories": ["food"]},
            'custom_categories: Expected a dictionary of items but got type "str"',
        ),
        ({"messages": "x", "user_id": {"id": 1}}, "user_id: expected a string"),
    ],
)
def test_it_answers_400_with_a_detail_for_bad_input(alice, body, message):
    response = post(alice, body)

    assert response.status_code == 400
    assert response.json()["detail"] == message
    assert Memory.objects.count() == 0


def test_it_answers_400_to_a_body_that_is_not_an_object(alice):
    response = alice.client().post(ADD, "[1, 2]", content_type="application/json")

    assert response.status_code == 400
    assert "JSON object" in response.json()["detail"]


def test_a_reader_cannot_add(bob):
    response = post(bob, {"messages": "x", "user_id": "a", "infer": False})

    assert response.status_code == 403


def test_an_inferred_add_stores_its_dates_metadata_and_immutability(alice, settings):
    settings.LLM_MODEL = ""  # the offline extractor
    body = {
        "messages": "I live in Berlin.",
        "user_id": "alice",
        "async_mode": False,
        "timestamp": "2023-11-14T22:13:20Z",
        "expiration_date": "2030-01-31",
        "immutable": True,
        "metadata": {"source": "chat"},
    }

    answer = post(alice, body).json()

    memory = Memory.objects.get(pk=answer["results"][0]["id"])
    assert memory.created_at == datetime.fromtimestamp(1_700_000_000, tz=UTC)
    assert memory.expiration_date.isoformat() == "2030-01-31"
    assert (memory.immutable, memory.metadata) == (True, {"source": "chat"})


def test_an_inferred_add_keeps_its_dates_as_json_in_the_event(alice):
    body = {"messages": "x", "user_id": "a", "timestamp": "2023-11-14T22:13:20Z"}

    event_id = post(alice, {**body, "expiration_date": "2030-01-31"}).json()["event_id"]

    payload = Event.objects.get(pk=event_id).payload
    assert (payload["timestamp"], payload["expiration_date"]) == (1_700_000_000, "2030-01-31")


def test_immutable_false_as_text_is_false_with_inference_too(alice, settings):
    settings.LLM_MODEL = ""
    body = {"messages": "I live in Berlin.", "user_id": "alice", "immutable": "false"}

    post(alice, {**body, "async_mode": False})

    assert Memory.objects.get().immutable is False
