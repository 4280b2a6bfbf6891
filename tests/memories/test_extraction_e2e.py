"""End to end: the real SDK adds through a live server, a real Celery worker extracts with an
LLM served by the fake OpenAI-compatible server, and the SDK finds the facts."""

from __future__ import annotations

import json
import os
import time

import pytest

from memories.models import Event, Memory, MemoryHistory
from tests.conftest import start_worker, stop_process, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
os.environ["MEM0_TELEMETRY"] = "false"  # before mem0 is imported: no calls to a third party

# What the fake LLM "understands": user sentence -> facts.
FACTS = {
    "I moved to Austin last month.": ["Lives in Austin"],
    "Actually I moved to Denver now.": ["Lives in Denver"],
    "I am vegetarian and I love jazz.": ["Is vegetarian", "Loves jazz"],
    "Did I mention I love jazz?": ["Loves jazz"],
    "我住在奥斯汀。": ["住在奥斯汀"],
    "我对奶酪过敏。": ["对奶酪过敏"],
    "我搬到丹佛了。": ["住在丹佛"],
}


def fake_brain(request: dict) -> str:
    """A deterministic stand-in for the two prompts of Engram's extraction."""
    system, user = request["messages"][0]["content"], request["messages"][1]["content"]
    if system.startswith("You extract durable facts"):
        facts = [
            fact
            for line in user.splitlines()
            if line.startswith("user: ")
            for fact in FACTS.get(line.removeprefix("user: "), [])
        ]
        return json.dumps(
            {"facts": [{"text": f, "categories": ["personal_details"]} for f in facts]}
        )
    known = json.loads(user)
    return json.dumps({"memory": [_decide(fact, known["existing"]) for fact in known["new_facts"]]})


def _decide(fact: str, existing: list[dict]) -> dict:
    for memory in existing:
        if memory["text"] == fact:
            return {"id": memory["id"], "text": fact, "event": "NOOP"}
        if fact.startswith("Forget: ") and fact.split()[-1].lower() in memory["text"].lower():
            return {"id": memory["id"], "text": memory["text"], "event": "DELETE"}
        for subject in ("Lives in", "住在"):
            if fact.startswith(subject) and memory["text"].startswith(subject):
                return {"id": memory["id"], "text": fact, "event": "UPDATE"}
    return {"id": "new", "text": fact, "event": "ADD"}


@pytest.fixture
def llm_env(fake_openai):
    fake_openai.set_chat_responder(fake_brain)
    return {
        "LLM_BASE_URL": fake_openai.base_url,
        "LLM_API_KEY": "test",
        "LLM_MODEL": "fake",
        "LLM_MAX_RETRIES": "0",  # the task's own retries are what these tests watch
        "EXTRACTION_MAX_ATTEMPTS": "3",
    }


@pytest.fixture
def sdk_alice(transactional_db, live_server):
    from tests.conftest import Tenant

    return Tenant("alice@example.com", "OWNER")


@pytest.fixture
def worker(llm_env):
    process = start_worker(**llm_env)
    yield process
    stop_process(process)


@pytest.fixture
def client(sdk_alice, live_server, worker):
    os.environ["MEM0_TELEMETRY"] = "false"
    from mem0 import MemoryClient

    return MemoryClient(api_key=sdk_alice.key, host=live_server.url)


def add_and_wait(client, text: str) -> Event:
    answer = client.add([{"role": "user", "content": text}], user_id="alice")
    assert answer["status"] == "PENDING"
    return wait_until(
        lambda: Event.objects.filter(
            pk=answer["event_id"], status__in=["SUCCEEDED", "FAILED"]
        ).first(),
        seconds=60,
        what=f"event of {text!r}",
    )


def test_add_extracts_facts_that_search_then_finds(client):
    event = add_and_wait(client, "I am vegetarian and I love jazz.")

    results = client.search("what music does she like?", filters={"user_id": "alice"})["results"]

    assert event.status == "SUCCEEDED", event.error
    assert sorted(r["event"] for r in event.results) == ["ADD", "ADD"]
    assert results[0]["memory"] == "Loves jazz"


def test_a_contradiction_updates_with_history_and_a_duplicate_is_noop(client):
    add_and_wait(client, "I moved to Austin last month.")
    add_and_wait(client, "I am vegetarian and I love jazz.")

    moved = add_and_wait(client, "Actually I moved to Denver now.")
    again = add_and_wait(client, "Did I mention I love jazz?")

    [update] = moved.results
    assert (update["event"], update["memory"], update["previous_memory"]) == (
        "UPDATE",
        "Lives in Denver",
        "Lives in Austin",
    )
    history = client.history(update["id"])
    assert [(h["event"], h["old_memory"], h["new_memory"]) for h in history] == [
        ("ADD", None, "Lives in Austin"),
        ("UPDATE", "Lives in Austin", "Lives in Denver"),
    ]
    assert [r["event"] for r in again.results] == ["NOOP"]
    assert Memory.objects.filter(text="Loves jazz").count() == 1


def test_chinese_facts_stay_chinese_through_add_update_and_search(client, fake_openai):
    add_and_wait(client, "我住在奥斯汀。")
    add_and_wait(client, "我对奶酪过敏。")

    moved = add_and_wait(client, "我搬到丹佛了。")

    results = client.search("我住在哪里", filters={"user_id": "alice"})["results"]
    assert [(r["event"], r["memory"], r["previous_memory"]) for r in moved.results] == [
        ("UPDATE", "住在丹佛", "住在奥斯汀")
    ]
    assert results[0]["memory"] == "住在丹佛"
    assert sorted(Memory.objects.values_list("text", flat=True)) == ["住在丹佛", "对奶酪过敏"]
    prompts = [r.json["messages"][0]["content"] for r in fake_openai.chat_requests]
    facts_prompts = [p for p in prompts if p.startswith("You extract durable facts")]
    assert len(facts_prompts) == 3
    assert all("in the language of the conversation" in p for p in facts_prompts)


def test_a_forget_instruction_deletes(client):
    add_and_wait(client, "I am vegetarian and I love jazz.")

    event = add_and_wait(client, "Please forget that I love jazz")

    assert [(r["event"], r["memory"]) for r in event.results] == [("DELETE", "Loves jazz")]
    assert list(Memory.objects.values_list("text", flat=True)) == ["Is vegetarian"]


def test_garbage_from_the_llm_fails_the_event_readably_and_writes_nothing(client, fake_openai):
    fake_openai.set_chat_responder(lambda request: "Sure! Here are the facts: none :)")

    event = add_and_wait(client, "I moved to Austin last month.")

    assert event.status == "FAILED"
    assert "malformed JSON twice" in event.error
    assert Memory.objects.count() == 0 and MemoryHistory.objects.count() == 0
    assert len(fake_openai.chat_requests) == 2  # one corrective retry, then give up


def test_an_llm_that_keeps_failing_ends_failed_after_retries(client, fake_openai):
    fake_openai.fail_next(503, times=1000)

    event = add_and_wait(client, "I moved to Austin last month.")

    assert event.status == "FAILED"
    assert "gave up after" in event.error
    assert Memory.objects.count() == 0


def test_token_usage_is_recorded_per_event_and_project(client, sdk_alice):
    event = add_and_wait(client, "I moved to Austin last month.")

    sdk_alice.project.refresh_from_db()
    assert event.usage["prompt_tokens"] > 0
    assert sdk_alice.project.llm_prompt_tokens == event.usage["prompt_tokens"]


def test_an_llm_that_times_out_ends_failed_after_retries(
    sdk_alice, live_server, llm_env, fake_openai
):
    from mem0 import MemoryClient

    fake_openai.set_chat_responder(lambda request: time.sleep(3) or "{}")
    worker = start_worker(**llm_env, LLM_TIMEOUT="1")
    try:
        client = MemoryClient(api_key=sdk_alice.key, host=live_server.url)
        event = add_and_wait(client, "I moved to Austin last month.")
    finally:
        stop_process(worker)

    assert event.status == "FAILED"
    assert "gave up after 3 attempts" in event.error and "timed out" in event.error.lower()
    assert Memory.objects.count() == 0
