"""Memory exports (§5.14, §6.6): the API, the offline export, the LLM export (fake server)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from memories.jobs import TransientJobError
from memories.jobs.exports import export_run, schema_fill
from memories.models import Event, EventStatus, Memory

CREATED = "Memory export request received. The export will be ready in a few seconds."
SCOPE = "One of the filters: app_id, user_id, agent_id, run_id, memory_export_id is required!"
SCHEMA_REQUIRED = "Schema is required and must be a valid object"
SCHEMA = {
    "type": "object",
    "properties": {
        "food": {"type": "array", "items": {"type": "string"}},
        "work": {"type": "string"},
        "hobbies": {"type": "array", "items": {"type": "string"}},
        "memory_count": {"type": "integer"},
    },
}
BASE = datetime(2024, 5, 1, tzinfo=UTC)


def remember(tenant, text: str, *categories: str, user_id: str = "alice", minute: int = 0):
    """A memory stored directly (categories as given), `minute` minutes after BASE."""
    return Memory.objects.create(
        project=tenant.project,
        text=text,
        hash=hashlib.md5(text.encode()).hexdigest(),
        user_id=user_id,
        categories=list(categories),
        created_at=BASE + timedelta(minutes=minute),
    )


@pytest.fixture(autouse=True)
def offline(settings):
    settings.LLM_MODEL = ""  # no LLM unless a test configures the fake one


@pytest.fixture
def llm(settings, fake_openai):
    settings.LLM_BASE_URL, settings.LLM_API_KEY = fake_openai.base_url, "x"
    settings.LLM_MODEL, settings.LLM_MAX_RETRIES = "fake", 0
    return fake_openai


@pytest.fixture
def facts(alice):
    remember(alice, "Is vegetarian", "food", minute=1)
    remember(alice, "Loves sushi", "food", minute=2)
    remember(alice, "Works as a nurse", "work", minute=3)
    remember(alice, "Goes hiking on weekends", "hobbies", minute=4)
    remember(alice, "Someone else's fact", "food", user_id="bob", minute=5)


def create(tenant, **body):
    return tenant.client().post("/v1/exports/", body, format="json")


def get(tenant, **body):
    return tenant.client().post("/v1/exports/get/", body, format="json")


# --- create -----------------------------------------------------------------------------------


def test_create_answers_201_with_the_id_of_a_pending_export_event(alice):
    response = create(alice, schema=SCHEMA, filters={"AND": [{"user_id": "alice"}]})

    assert response.status_code == 201, response.content
    assert response.json() == {"message": CREATED, "id": response.json()["id"]}
    event = Event.objects.get(pk=response.json()["id"])
    assert (event.event_type, event.status, event.project) == ("EXPORT", "PENDING", alice.project)
    assert event.payload == {
        "schema": SCHEMA,
        "filters": {"user_id": "alice"},
        "export_instructions": "",
    }


def test_create_accepts_a_schema_string_and_legacy_flat_ids(alice):
    response = create(alice, schema=json.dumps(SCHEMA), user_id="alice", export_instructions="x")

    assert response.status_code == 201, response.content
    event = Event.objects.get(pk=response.json()["id"])
    assert event.payload["schema"] == SCHEMA
    assert event.payload["filters"] == {"user_id": "alice"}
    assert event.payload["export_instructions"] == "x"


def test_flat_ids_are_folded_into_the_filters(alice):
    response = create(
        alice, schema=SCHEMA, filters={"categories": {"in": ["food"]}}, agent_id="helper"
    )

    event = Event.objects.get(pk=response.json()["id"])
    assert event.payload["filters"] == {"categories": {"in": ["food"]}, "agent_id": "helper"}


@pytest.mark.parametrize("schema", [None, "", "not json", "[1, 2]", [], {}, 3])
def test_create_without_a_valid_schema_object_is_a_400(alice, schema):
    body = {"filters": {"user_id": "alice"}} | ({} if schema is None else {"schema": schema})

    response = create(alice, **body)

    assert response.status_code == 400
    assert response.json()["detail"] == SCHEMA_REQUIRED


@pytest.mark.parametrize(
    "body", [{}, {"filters": {}}, {"filters": {"NOT": {"user_id": "alice"}}}, {"user_id": ""}]
)
def test_create_without_an_entity_filter_is_a_400(alice, body):
    response = create(alice, schema=SCHEMA, **body)

    assert response.status_code == 400
    assert response.json()["detail"] == SCOPE


def test_a_malformed_filter_is_a_400_naming_it(alice):
    response = create(alice, schema=SCHEMA, filters={"user_id": "alice", "colour": "red"})

    assert response.status_code == 400
    assert "Top-level key" in response.json()["detail"]


def test_a_reader_cannot_create_but_can_get(alice, bob):
    export_id = create(alice, schema=SCHEMA, user_id="alice").json()["id"]

    assert create(bob, schema=SCHEMA, user_id="alice").status_code == 403
    assert get(bob, memory_export_id=export_id).status_code == 200


# --- get --------------------------------------------------------------------------------------


def test_get_while_pending_says_still_processing(alice):
    export_id = create(alice, schema=SCHEMA, user_id="alice").json()["id"]

    by_id = get(alice, memory_export_id=export_id)
    by_filters = get(alice, filters={"user_id": "alice"})

    expected = {"id": export_id, "status": "PENDING", "message": "Export is still processing"}
    assert (by_id.status_code, by_id.json()) == (200, expected)
    assert (by_filters.status_code, by_filters.json()) == (200, expected)


def test_get_without_an_id_returns_the_latest_export_with_equal_filters(alice):
    create(alice, schema=SCHEMA, user_id="alice")
    latest = create(alice, schema=SCHEMA, filters={"AND": [{"user_id": "alice"}]}).json()["id"]
    create(alice, schema=SCHEMA, user_id="zoe")

    assert get(alice, user_id="alice").json()["id"] == latest
    assert get(alice, filters={"AND": [{"user_id": "alice"}]}).json()["id"] == latest
    assert get(alice, filters={"user_id": "alice"}).json()["id"] == latest


def test_get_of_nothing_is_a_404(alice):
    create(alice, schema=SCHEMA, user_id="alice")

    for body in ({"user_id": "nobody"}, {"memory_export_id": str(uuid.uuid4())}):
        response = get(alice, **body)
        assert response.status_code == 404
        assert response.json()["detail"] == "No memory export request found"
    assert get(alice, memory_export_id="not-a-uuid").status_code == 404


def test_get_without_id_or_filters_is_a_400(alice):
    response = get(alice)

    assert response.status_code == 400
    assert response.json()["detail"] == SCOPE


def test_another_tenants_export_is_a_404(alice, charlie):
    export_id = create(alice, schema=SCHEMA, user_id="alice").json()["id"]

    assert get(charlie, memory_export_id=export_id).status_code == 404
    assert get(charlie, user_id="alice").status_code == 404
    assert charlie.client().get("/v1/exports/", {"user_id": "alice"}).status_code == 404


def test_legacy_get_reads_flat_query_filters(alice):
    export_id = create(alice, schema=SCHEMA, user_id="alice").json()["id"]

    response = alice.client().get("/v1/exports/", {"user_id": "alice"})

    assert response.status_code == 200
    assert response.json()["id"] == export_id


# --- the offline export -----------------------------------------------------------------------


def run_export(tenant, **body) -> tuple[Event, dict]:
    export_id = create(tenant, **body).json()["id"]
    event = export_run(event_id=export_id)
    return event, get(tenant, memory_export_id=export_id).json()


def test_offline_export_is_a_structured_dump_plus_the_fillable_schema_properties(alice, facts):
    event, answer = run_export(alice, schema=SCHEMA, user_id="alice")

    assert event.status == EventStatus.SUCCEEDED, event.error
    assert answer["count"] == 4
    assert [m["memory"] for m in answer["memories"]] == [
        "Is vegetarian",
        "Loves sushi",
        "Works as a nurse",
        "Goes hiking on weekends",
    ]
    assert set(answer["memories"][0]) == {"id", "memory", "categories", "created_at"}
    assert answer["by_category"]["food"] == ["Is vegetarian", "Loves sushi"]
    assert answer["food"] == ["Is vegetarian", "Loves sushi"]
    assert answer["work"] == "Works as a nurse"
    assert answer["hobbies"] == ["Goes hiking on weekends"]
    assert answer["memory_count"] == 4
    assert event.metadata is None  # the output matches the schema


def test_offline_export_follows_the_filters(alice, facts):
    _, answer = run_export(
        alice, schema=SCHEMA, filters={"AND": [{"user_id": "alice"}, {"categories": ["work"]}]}
    )

    assert [m["memory"] for m in answer["memories"]] == ["Works as a nurse"]


def test_a_schema_mismatch_keeps_the_output_and_records_a_warning(alice, facts):
    schema = {
        "type": "object",
        "properties": {"full_name": {"type": "string"}},
        "required": ["full_name"],
    }

    event, answer = run_export(alice, schema=schema, user_id="alice")

    assert event.status == EventStatus.SUCCEEDED
    assert answer["count"] == 4
    assert "full_name" in event.metadata["warnings"][0]


def test_schema_fill_matches_categories_keywords_and_generic_lists(alice):
    memories = [
        remember(alice, "Plays the piano", "hobbies", minute=1),
        remember(alice, "Allergic to peanuts", "health", minute=2),
    ]
    schema = {
        "properties": {
            "Hobbies": {"type": "string"},
            "allergies": {"type": "array", "items": {"type": "string"}},
            "facts": {"type": "array"},
            "full_name": {"type": "string"},
            "count": {"type": "integer"},
        }
    }

    assert schema_fill(memories, schema) == {
        "Hobbies": "Plays the piano",
        "allergies": ["Allergic to peanuts"],
        "facts": ["Plays the piano", "Allergic to peanuts"],
        "count": 2,
    }
    assert schema_fill(memories, {"type": "string"}) == {}


def test_schema_fill_matches_chinese_categories_and_words(alice):
    memories = [
        remember(alice, "我对奶酪过敏", "健康", minute=1),
        remember(alice, "我喜欢吃北京烤鸭", "饮食", minute=2),
    ]
    schema = {
        "properties": {
            "饮食": {"type": "string"},
            "过敏": {"type": "array", "items": {"type": "string"}},
            "爱好": {"type": "array", "items": {"type": "string"}},
        }
    }

    assert schema_fill(memories, schema) == {"饮食": "我喜欢吃北京烤鸭", "过敏": ["我对奶酪过敏"]}


# --- the LLM export ---------------------------------------------------------------------------


def test_the_llm_fills_the_schema_from_the_memories(alice, facts, llm):
    llm.set_chat_responder({"food": ["Vegetarian", "Sushi"], "work": "Nurse"})

    event, answer = run_export(
        alice, schema=SCHEMA, user_id="alice", export_instructions="Be terse."
    )

    assert answer == {"food": ["Vegetarian", "Sushi"], "work": "Nurse"}
    prompt = llm.chat_requests[0].json["messages"][1]["content"]
    assert "Works as a nurse" in prompt and "Be terse." in prompt
    assert "Someone else's fact" not in prompt
    assert '"memory_count"' in prompt  # the schema is in the prompt
    assert event.usage is not None and event.metadata is None


def test_an_llm_answer_off_the_schema_is_kept_with_a_warning(alice, facts, llm):
    llm.set_chat_responder({"food": "not a list"})

    event, answer = run_export(alice, schema=SCHEMA, user_id="alice")

    assert answer == {"food": "not a list"}
    assert event.metadata["warnings"] == ["food: 'not a list' is not of type 'array'"]


def test_an_unreachable_llm_puts_the_export_back_to_pending(alice, facts, llm):
    export_id = create(alice, schema=SCHEMA, user_id="alice").json()["id"]
    llm.fail_next(503, times=5)

    with pytest.raises(TransientJobError):
        export_run(event_id=export_id)

    event = Event.objects.get(pk=export_id)
    assert (event.status, event.attempts) == ("PENDING", 1)
    assert get(alice, memory_export_id=export_id).json()["status"] == "PENDING"


def test_a_broken_llm_fails_the_export_readably(alice, facts, llm):
    llm.set_chat_responder("this is not json")

    event, answer = run_export(alice, schema=SCHEMA, user_id="alice")

    assert event.status == EventStatus.FAILED
    assert answer["status"] == "FAILED" and "malformed JSON" in answer["error"]


def test_a_finished_export_is_not_run_twice(alice, facts):
    export_id = create(alice, schema=SCHEMA, user_id="alice").json()["id"]
    export_run(event_id=export_id)

    assert export_run(event_id=export_id) is None
    assert Event.objects.get(pk=export_id).attempts == 1
