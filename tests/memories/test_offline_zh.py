"""The offline extractor's Chinese table (memories/data/extraction_zh.json) through its engine
(memories/extraction/offline_table.py), the cases as data, and the pipeline end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from memories.extraction.offline import NOT_A_STATEMENT, NOT_THE_USER, extract_facts
from memories.extraction.offline_table import read_sentence, table
from memories.models import Memory, MemoryHistory

CASES = json.loads((Path(__file__).parent / "data" / "extraction_zh_cases.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[case["say"] for case in CASES])
def test_each_case_gives_its_facts_kept_statements_and_skips(case):
    reading = read_sentence(case["say"], "zh")

    assert [draft.text for draft in reading.drafts] == case["facts"]
    assert [draft.text for draft in reading.kept] == case.get("kept", [])
    assert [list(skip) for skip in reading.skipped] == case.get("skipped", [])


def test_every_rule_of_the_table_fires_in_some_case():
    fired = {name for case in CASES for name in read_sentence(case["say"], "zh").fired}

    assert {rule.name for rule in table("zh").rules} - fired == set()


def test_facts_carry_categories_and_subjects_for_updates():
    said = [{"role": "user", "content": "我住在北京，我吃素"}]  # noqa: RUF001
    facts = {f.text: f for f in extract_facts(said)}

    assert (
        facts["住在北京"].subject == "residence"
        and "personal_details" in facts["住在北京"].categories
    )
    assert facts["吃素"].categories == ("food",)


def test_only_the_users_messages_give_facts():
    messages = [
        {"role": "user", "content": "我喜欢印度菜，但对奶酪过敏不能吃披萨"},  # noqa: RUF001
        {"role": "assistant", "content": "我会记住您的饮食偏好"},
    ]
    assert [f.text for f in extract_facts(messages)] == ["喜欢印度菜", "对奶酪过敏", "不能吃披萨"]


@pytest.mark.parametrize("text", ["東京に住んでいます", "서울에 살아요"])
def test_japanese_and_korean_statements_are_kept_as_said(text):
    [fact] = extract_facts([{"role": "user", "content": text + "。"}])
    assert fact.text == text and fact.categories


def search(alice, query: str) -> list[str]:
    body = {"query": query, "filters": {"user_id": "alice"}, "threshold": 0}
    response = alice.client().post("/v3/memories/search/", body, format="json")
    return [result["memory"] for result in response.json()["results"]]


def test_the_chinese_quick_start_gives_three_chinese_memories(alice, extract):
    event = extract(
        [
            {"role": "user", "content": "我喜欢印度菜，但对奶酪过敏不能吃披萨"},  # noqa: RUF001
            {"role": "assistant", "content": "我会记住您的饮食偏好"},
        ]
    )
    extract("我是程序员，喜欢写 Python 代码")  # noqa: RUF001

    assert event.status == "SUCCEEDED"
    assert sorted(r["memory"] for r in event.results) == sorted(
        ["喜欢印度菜", "对奶酪过敏", "不能吃披萨"]
    )
    assert search(alice, "我对什么过敏？")[0] == "对奶酪过敏"  # noqa: RUF001
    assert "对奶酪过敏" in search(alice, "饮食偏好")[:3]
    assert "喜欢写 Python 代码" in search(alice, "技术栈")[:3]


def test_moving_updates_where_the_user_lives_with_history(extract):
    extract("我住在北京")

    moved = extract("我搬到上海了")

    [update] = moved.results
    assert (update["event"], update["memory"], update["previous_memory"]) == (
        "UPDATE",
        "住在上海",
        "住在北京",
    )
    assert list(Memory.objects.values_list("text", flat=True)) == ["住在上海"]
    assert MemoryHistory.objects.filter(event="UPDATE", new_memory="住在上海").exists()


def test_asking_to_forget_deletes_the_memory(extract):
    extract("我对猫过敏")

    event = extract("请忘记我对猫过敏")

    assert [r["event"] for r in event.results] == ["DELETE"]
    assert not Memory.objects.exists()


# --- what is not stored says why ------------------------------------------------------------


def test_an_event_that_stores_nothing_says_why_in_the_api(alice, extract):
    event = extract(
        [
            {"role": "user", "content": "你好！我对什么过敏？"},  # noqa: RUF001
            {"role": "assistant", "content": "我会记住您的饮食偏好"},
        ]
    )

    assert event.status == "SUCCEEDED" and event.results == []
    body = alice.client().get(f"/v1/event/{event.id}/").json()
    assert body["results"] == []
    assert body["skipped"] == [
        {"message": 0, "excerpt": "你好", "reason": "greeting"},
        {"message": 0, "excerpt": "我对什么过敏", "reason": "question"},
        {"message": 1, "excerpt": "我会记住您的饮食偏好", "reason": NOT_THE_USER},
    ]


def test_an_english_statement_no_rule_reads_is_kept_and_chatter_is_skipped(extract):
    asked = extract("What's the weather like today?")
    greeted = extract("Hi there! Thanks so much!")
    said = extract("Yesterday the bus came late.")

    assert asked.results == [] and [s["reason"] for s in asked.skipped] == ["question"]
    assert greeted.results == []
    assert [s["reason"] for s in greeted.skipped] == [NOT_A_STATEMENT, "thanks"]
    assert [r["memory"] for r in said.results] == ["Yesterday the bus came late"]


def test_a_long_statement_is_kept_whole_in_either_language(extract):
    english = "Yesterday " + "we walked along the old canal and talked about everything " * 4
    chinese = "昨天我们沿着老运河走了很久，聊了很多关于工作和生活的事情" * 3  # noqa: RUF001

    for said in (english.strip(), chinese):
        event = extract(said)
        assert event.status == "SUCCEEDED"
        [result] = event.results
        assert result["event"] == "ADD" and result["memory"] == said.strip(" .")
