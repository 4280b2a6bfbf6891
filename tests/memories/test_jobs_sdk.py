"""The real `mem0ai` 2.2.1 client against a live Engram: exports, summary and profiles.

No worker here: the test runs the queued job itself (`export_run`, `profile_job_run`);
test_jobs_e2e.py has the real worker."""

from __future__ import annotations

import json
import os

import pytest

from memories.jobs.exports import export_run
from memories.jobs.profiles import profile_job_run
from tests.memories.test_jobs_exports import SCHEMA, offline, remember  # noqa: F401 - fixture

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sdk_alice(transactional_db, live_server):
    from tests.conftest import Tenant

    return Tenant("alice@example.com", "OWNER")


@pytest.fixture
def client(sdk_alice, live_server):
    os.environ["MEM0_TELEMETRY"] = "false"
    from mem0 import MemoryClient

    return MemoryClient(api_key=sdk_alice.key, host=live_server.url)


@pytest.fixture
def facts(sdk_alice):
    remember(sdk_alice, "Is vegetarian", "food", minute=1)
    remember(sdk_alice, "Works as a nurse", "work", minute=2)


def test_create_then_get_a_memory_export(client, facts):
    created = client.create_memory_export(json.dumps(SCHEMA), user_id="alice")

    assert created["message"].startswith("Memory export request received")
    pending = client.get_memory_export(memory_export_id=created["id"])
    assert pending == {
        "id": created["id"],
        "status": "PENDING",
        "message": "Export is still processing",
    }

    export_run(event_id=created["id"])

    exported = client.get_memory_export(user_id="alice")
    assert exported["count"] == 2
    assert exported["food"] == ["Is vegetarian"] and exported["work"] == "Works as a nurse"


def test_a_missing_export_is_a_not_found_error(client):
    from mem0.exceptions import MemoryNotFoundError

    with pytest.raises(MemoryNotFoundError):
        client.get_memory_export(user_id="nobody")


def test_get_summary_returns_the_array(client, facts):
    answer = client.get_summary({"user_id": "alice"})

    assert isinstance(answer, list)
    assert answer[0]["summary"] == "food: Is vegetarian. work: Works as a nurse."
    assert answer[0]["memory_count"] == 2


def test_get_summary_without_filters_is_a_validation_error(client):
    from mem0.exceptions import ValidationError

    with pytest.raises(ValidationError):
        client.get_summary()


def test_profiles_through_the_sdk(client, facts):
    schema = {"type": "object", "properties": {"work": {"type": "string", "description": "Job"}}}
    settings = client.update_profile_settings(schema=schema, custom_instructions=None)
    assert settings["entities"]["user"]["schema"] == schema
    assert client.get_profile_settings() == settings

    job = client.generate_profile("alice", idempotency_key="sdk-1")
    assert client.generate_profile("alice", idempotency_key="sdk-1")["replayed"] is True
    assert client.get_profile("alice")["status"] == "pending"

    profile_job_run(job_id=job["job_id"])

    assert client.get_profile("alice")["profile"] == {"work": "Works as a nurse"}
    assert client.get_profile_job(job["status_url"])["job"]["succeeded"] == 1
    assert client.get_profile_job(job["job_id"])["job"]["status"] == "succeeded"
    sample = client.sample_profiles(limit=2)
    assert sample["entity_ids"] == ["alice"] and sample["sampled"] == 1
