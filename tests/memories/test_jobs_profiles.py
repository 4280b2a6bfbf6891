"""Profiles (§5.18): settings, trigger and sample jobs, idempotency, generation."""

from __future__ import annotations

import uuid

import pytest

from memories.jobs.profiles import profile_job_run
from memories.models import Event
from tests.memories.test_jobs_exports import llm, offline, remember  # noqa: F401 - fixtures

SCHEMA = {
    "type": "object",
    "properties": {
        "diet": {"type": "string", "description": "What the user eats."},
        "work": {"type": "string", "description": "The user's job."},
    },
}


@pytest.fixture
def facts(alice):
    remember(alice, "Is vegetarian", "food", minute=1)
    remember(alice, "Works as a nurse", "work", minute=2)
    remember(alice, "Likes tea", "food", user_id="zoe", minute=3)


def profile(tenant, entity_id="alice"):
    return tenant.client().get(f"/v2/entities/user/{entity_id}/profile/")


def job_post(tenant, body, key=None):
    return tenant.client().post(
        "/v2/profiles/jobs/", body, format="json", HTTP_IDEMPOTENCY_KEY=key or uuid.uuid4().hex
    )


def trigger(tenant, entity_id="alice", key=None):
    return job_post(
        tenant, {"operation": "trigger", "entity_type": "user", "entity_id": entity_id}, key
    )


def settings_post(tenant, body):
    return tenant.client().post("/v2/profiles/settings/", body, format="json")


# --- profiles and trigger jobs ----------------------------------------------------------------


def test_an_unknown_user_has_no_profile(alice):
    response = profile(alice, "nobody")

    assert response.status_code == 404
    assert trigger(alice, "nobody").status_code == 404


def test_a_known_user_without_a_profile_yet(alice, facts):
    assert profile(alice).json() == {
        "profile": {},
        "status": "insufficient_data",
        "entity_type": "user",
        "entity_id": "alice",
        "updated_at": None,
        "generation_count": 0,
        "error": None,
    }


def test_trigger_queues_a_job_then_the_worker_builds_the_offline_profile(alice, facts):
    answer = trigger(alice).json()

    job_id = answer["job_id"]
    assert answer == {
        "job_id": job_id,
        "status": "pending",
        "status_url": f"/v2/profiles/jobs/{job_id}/",
        "operation": "trigger",
        "entity_type": "user",
        "entity_count_reserved": 1,
        "event_id": job_id,
        "replayed": False,
    }
    assert profile(alice).json()["status"] == "pending"

    profile_job_run(job_id=job_id)

    built = profile(alice).json()
    assert built["status"] == "succeeded" and built["generation_count"] == 1
    assert built["profile"] == {
        "summary": "food: Is vegetarian. work: Works as a nurse.",
        "facts_by_category": {"food": ["Is vegetarian"], "work": ["Works as a nurse"]},
    }
    assert built["updated_at"] is not None
    job = alice.client().get(answer["status_url"]).json()["job"]
    assert job == {
        "id": job_id,
        "operation": "trigger",
        "entity_type": "user",
        "status": "succeeded",
        "total": 1,
        "enumeration_complete": True,
        "completed": 1,
        "succeeded": 1,
        "failed": 0,
        "skipped": 0,
    }
    assert Event.objects.get(pk=job_id).status == "SUCCEEDED"


def test_the_same_idempotency_key_replays_the_same_job(alice, facts):
    first = trigger(alice, key="k-1").json()

    again = trigger(alice, key="k-1")

    assert again.status_code == 200
    assert again.json()["job_id"] == first["job_id"] and again.json()["replayed"] is True
    assert Event.objects.filter(event_type="PROFILE").count() == 1


def test_a_key_already_used_by_an_add_is_a_400(alice, facts):
    body = {"messages": [{"role": "user", "content": "hi"}], "user_id": "alice"}
    alice.client().post("/v3/memories/add/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    assert trigger(alice, key="k-2").status_code == 400


def test_a_user_with_no_memories_left_is_skipped(alice, facts):
    job_id = trigger(alice).json()["job_id"]
    alice.project.memories.filter(user_id="alice").delete()

    profile_job_run(job_id=job_id)

    assert profile(alice, "alice").status_code == 404
    job = alice.client().get(f"/v2/profiles/jobs/{job_id}/").json()["job"]
    assert (job["status"], job["skipped"], job["succeeded"]) == ("succeeded", 1, 0)


@pytest.mark.parametrize(
    "body",
    [
        {"operation": "delete"},
        {"operation": "trigger", "entity_type": "agent", "entity_id": "a"},
        {"operation": "trigger"},
        {"operation": "sample", "limit": 0},
        {"operation": "sample", "limit": 11},
        {"operation": "sample", "limit": "many"},
    ],
)
def test_bad_job_requests_are_400(alice, facts, body):
    assert job_post(alice, body).status_code == 400


# --- sample jobs ------------------------------------------------------------------------------


def test_sample_picks_the_users_with_most_memories_and_is_rate_limited(alice, facts):
    answer = job_post(alice, {"operation": "sample", "entity_type": "user", "limit": 5}, "s-1")

    assert answer.status_code == 200
    assert answer.json()["sampled"] == 2 and answer.json()["entity_ids"] == ["alice", "zoe"]
    assert answer.json()["entity_count_reserved"] == 2
    replay = job_post(alice, {"operation": "sample", "limit": 5}, "s-1")
    assert replay.status_code == 200 and replay.json()["replayed"] is True
    too_soon = job_post(alice, {"operation": "sample"}, "s-2")
    assert too_soon.status_code == 429
    assert "60 seconds" in too_soon.json()["detail"]

    profile_job_run(job_id=answer.json()["job_id"])

    assert profile(alice, "zoe").json()["profile"]["facts_by_category"] == {"food": ["Likes tea"]}


def test_sample_without_an_idempotency_key_creates_a_job(alice, facts):
    body = {"operation": "sample", "entity_type": "user", "limit": 5}
    answer = alice.client().post("/v2/profiles/jobs/", body, format="json")

    assert answer.status_code == 200 and answer.json()["sampled"] == 2
    assert Event.objects.filter(event_type="PROFILE").count() == 2


# --- settings ---------------------------------------------------------------------------------


def test_default_settings(alice):
    answer = alice.client().get("/v2/profiles/settings/").json()

    assert answer["enabled"] is True
    assert answer["entities"] == {"user": {"schema": None, "custom_instructions": None}}
    assert answer["capabilities"]["generator"] == "offline"


def test_settings_update_keeps_absent_keys_and_clears_nulls(alice):
    first = settings_post(
        alice, {"entities": {"user": {"schema": SCHEMA, "custom_instructions": "Be kind"}}}
    )
    second = settings_post(alice, {"enabled": False, "entities": {"user": {"schema": None}}})

    assert first.json()["entities"]["user"] == {"schema": SCHEMA, "custom_instructions": "Be kind"}
    assert second.json()["enabled"] is False
    assert second.json()["entities"]["user"] == {"schema": None, "custom_instructions": "Be kind"}
    assert alice.client().get("/v2/profiles/settings/").json() == second.json()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"schema": SCHEMA}, "Unsupported settings"),
        ({"entities": {"agent": {}}}, "Unsupported settings"),
        ({"enabled": "yes"}, "enabled"),
        ({"entities": {"user": {"schema": {"properties": {"x": {"type": "string"}}}}}}, "x"),
        ({"entities": {"user": {"schema": "nope"}}}, "schema"),
    ],
)
def test_bad_settings_are_400(alice, body, message):
    response = settings_post(alice, body)

    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_disabled_profiles_refuse_jobs_and_say_not_enabled(alice, facts):
    settings_post(alice, {"enabled": False})

    assert trigger(alice).status_code == 400
    assert profile(alice).json()["status"] == "not_enabled"


def test_a_custom_schema_is_filled_offline(alice, facts):
    settings_post(alice, {"entities": {"user": {"schema": SCHEMA}}})
    job_id = trigger(alice).json()["job_id"]

    profile_job_run(job_id=job_id)

    assert profile(alice).json()["profile"] == {"work": "Works as a nurse"}


def test_the_llm_fills_the_profile_schema(alice, facts, llm):  # noqa: F811
    settings_post(alice, {"entities": {"user": {"schema": SCHEMA, "custom_instructions": "Short"}}})
    llm.set_chat_responder({"diet": "vegetarian", "work": "nurse"})

    profile_job_run(job_id=trigger(alice).json()["job_id"])

    assert profile(alice).json()["profile"] == {"diet": "vegetarian", "work": "nurse"}
    prompt = llm.chat_requests[0].json["messages"][1]["content"]
    assert "Is vegetarian" in prompt and "Short" in prompt and "Likes tea" not in prompt


def test_a_failed_generation_is_reported(alice, facts, llm):  # noqa: F811
    llm.set_chat_responder("garbage")
    job_id = trigger(alice).json()["job_id"]

    profile_job_run(job_id=job_id)

    answer = profile(alice).json()
    assert answer["status"] == "failed" and "malformed" in answer["error"]
    assert alice.client().get(f"/v2/profiles/jobs/{job_id}/").json()["job"]["status"] == "failed"


# --- roles and tenants ------------------------------------------------------------------------


def test_a_reader_reads_but_cannot_write(alice, bob, facts):
    assert profile(bob).status_code == 200
    assert bob.client().get("/v2/profiles/settings/").status_code == 200
    assert settings_post(bob, {"enabled": False}).status_code == 403
    assert trigger(bob).status_code == 403


def test_another_tenant_sees_neither_users_nor_jobs(alice, charlie, facts):
    job_id = trigger(alice).json()["job_id"]

    assert profile(charlie).status_code == 404
    assert charlie.client().get(f"/v2/profiles/jobs/{job_id}/").status_code == 404
    assert trigger(charlie, key="shared").status_code == 404
    assert alice.client().get("/v2/profiles/jobs/not-a-uuid/").status_code == 404
