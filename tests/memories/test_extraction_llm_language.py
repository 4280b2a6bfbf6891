"""With an LLM, facts are written in the language they were said in (the fake OpenAI-compatible
server answers): what the prompts ask for, by project setting, and Chinese answers stored as
Chinese memories. The worker's side is run in process (`extraction_run`), as the worker would."""

from __future__ import annotations

import json

import pytest

from memories.models import Memory
from memories.services.extraction import extraction_run

ALLERGY = {"facts": [{"text": "对奶酪过敏", "categories": ["health"]}]}


@pytest.fixture
def llm(settings, fake_openai):
    settings.LLM_BASE_URL, settings.LLM_API_KEY = fake_openai.base_url, "x"
    settings.LLM_MODEL, settings.LLM_MAX_RETRIES = "fake", 0
    return fake_openai


def add_with_inference(tenant, *texts: str):
    body = {"messages": [{"role": "user", "content": t} for t in texts], "user_id": "alice"}
    answer = tenant.client().post("/v3/memories/add/", body, format="json").json()
    return extraction_run(event_id=answer["event_id"])


def facts_prompt(llm) -> str:
    return llm.chat_requests[0].json["messages"][0]["content"]


def test_it_asks_for_the_conversations_language_by_default(alice, llm):
    add_with_inference(alice, "我对奶酪过敏。")

    prompt = facts_prompt(llm)
    assert "Write every fact in the language of the conversation" in prompt
    assert "a conversation in Chinese gives facts in Chinese" in prompt
    assert "write all the facts in the language the user uses most" in prompt
    assert "Never translate a fact." in prompt
    assert "prefer English" not in prompt
    assert "我对奶酪过敏" in llm.chat_requests[0].json["messages"][1]["content"]


def test_its_examples_are_english_and_chinese(alice, llm):
    add_with_inference(alice, "我对奶酪过敏。")

    assert '"Is vegetarian", "对奶酪过敏"' in facts_prompt(llm)


def test_multilingual_asks_for_the_language_of_each_message(alice, llm):
    response = alice.client().patch(alice.project_url, {"multilingual": True}, format="json")
    add_with_inference(alice, "我对奶酪过敏。", "I work as a nurse.")

    prompt = facts_prompt(llm)
    assert response.status_code == 200, response.content
    assert alice.client().get(alice.project_url).json()["multilingual"] is True
    assert "in the language of the message it comes from" in prompt
    assert "even when the conversation mixes languages" in prompt
    assert "uses most" not in prompt and "prefer English" not in prompt


def test_the_prompts_of_the_two_settings_differ_only_in_the_language_rule(alice, llm):
    add_with_inference(alice, "我对奶酪过敏。")
    alice.client().patch(alice.project_url, {"multilingual": True}, format="json")
    add_with_inference(alice, "我对奶酪过敏。")

    default, multilingual = (r.json["messages"][0]["content"] for r in llm.chat_requests)
    changed = set(default.splitlines()) ^ set(multilingual.splitlines())
    assert len(changed) == 2
    assert all(line.startswith("- Write ") for line in changed)


def test_chinese_facts_from_the_llm_are_stored_and_found(alice, llm, add):
    add("在Acme当护士", "喜欢爵士乐")
    llm.queue_chat_replies(
        ALLERGY, {"memory": [{"id": "new", "text": "对奶酪过敏", "event": "ADD"}]}
    )

    event = add_with_inference(alice, "我对奶酪过敏。")

    body = {"query": "我对什么过敏", "filters": {"user_id": "alice"}}
    results = alice.client().post("/v3/memories/search/", body, format="json").json()["results"]
    assert [(r["event"], r["memory"]) for r in event.results] == [("ADD", "对奶酪过敏")]
    assert results[0]["memory"] == "对奶酪过敏"
    assert results[0]["categories"] == ["health"]


def test_an_update_of_a_chinese_memory_keeps_the_chinese(alice, llm, add):
    [memory_id] = add("住在奥斯汀")
    llm.queue_chat_replies({"facts": [{"text": "住在丹佛", "categories": ["personal_details"]}]})
    llm.set_chat_responder(
        lambda request: {"memory": [{"id": "0", "text": "住在丹佛", "event": "UPDATE"}]}
    )

    event = add_with_inference(alice, "我搬到丹佛了。")

    decide_system, decide_user = (m["content"] for m in llm.chat_requests[1].json["messages"])
    assert "in the language of the known memory" in decide_system
    assert json.loads(decide_user)["existing"] == [{"id": "0", "text": "住在奥斯汀"}]
    assert [(r["event"], r["memory"], r["previous_memory"]) for r in event.results] == [
        ("UPDATE", "住在丹佛", "住在奥斯汀")
    ]
    history = alice.client().get(f"/v1/memories/{memory_id}/history/").json()
    assert [(h["event"], h["old_memory"], h["new_memory"]) for h in history] == [
        ("ADD", None, "住在奥斯汀"),
        ("UPDATE", "住在奥斯汀", "住在丹佛"),
    ]
    assert Memory.objects.get(pk=memory_id).text == "住在丹佛"
