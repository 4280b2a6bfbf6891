"""End to end: the SDK requests an export and a profile through a live server, a real Celery
worker runs them with an LLM served by the fake OpenAI-compatible server."""

from __future__ import annotations

import json
import os

import pytest

from memories.models import Event
from tests.conftest import start_worker, stop_process, wait_until
from tests.memories.test_jobs_exports import SCHEMA, remember

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def fake_llm(request: dict) -> dict:
    system, user = request["messages"][0]["content"], request["messages"][1]["content"]
    if system.startswith("You export"):
        return {"food": [line for line in user.splitlines() if "[food]" in line], "work": "?"}
    return {"summary": "A profile", "facts_by_category": {"all": [user.count("\n- ")]}}


@pytest.fixture
def sdk_alice(transactional_db, live_server):
    from tests.conftest import Tenant

    tenant = Tenant("alice@example.com", "OWNER")
    remember(tenant, "Is vegetarian", "food", minute=1)
    remember(tenant, "Works as a nurse", "work", minute=2)
    return tenant


@pytest.fixture
def worker(fake_openai):
    fake_openai.set_chat_responder(fake_llm)
    process = start_worker(LLM_BASE_URL=fake_openai.base_url, LLM_API_KEY="x", LLM_MODEL="fake")
    yield process
    stop_process(process)


@pytest.fixture
def client(sdk_alice, live_server, worker):
    os.environ["MEM0_TELEMETRY"] = "false"
    from mem0 import MemoryClient

    return MemoryClient(api_key=sdk_alice.key, host=live_server.url)


def finished(event_id: str) -> Event:
    return wait_until(
        lambda: Event.objects.filter(pk=event_id, status__in=["SUCCEEDED", "FAILED"]).first(),
        seconds=60,
        what=f"job {event_id}",
    )


def test_an_export_runs_on_the_worker_with_the_llm(client, fake_openai):
    created = client.create_memory_export(json.dumps(SCHEMA), filters={"user_id": "alice"})

    event = finished(created["id"])

    assert event.status == "SUCCEEDED", event.error
    assert client.get_memory_export(memory_export_id=created["id"]) == {
        "food": ["- Is vegetarian [food]"],
        "work": "?",
    }
    assert event.usage is not None
    assert len(fake_openai.chat_requests) == 1


def test_a_profile_job_runs_on_the_worker(client):
    job = client.generate_profile("alice")

    assert finished(job["job_id"]).status == "SUCCEEDED"
    answer = client.get_profile("alice")
    assert answer["status"] == "succeeded"
    assert answer["profile"]["summary"] == "A profile"
