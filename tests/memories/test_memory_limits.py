"""One size limit for every memory text (and its metadata), whatever the entry point."""

from __future__ import annotations

import pytest

from memories.models import Memory

LIMIT = 50
ZH = "我喜欢印度菜"  # 6 characters, 18 bytes in UTF-8: the limit counts characters


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.MEMORY_TEXT_MAX_CHARS = LIMIT
    settings.MEMORY_METADATA_MAX_CHARS = 40


def text_of(length: int) -> str:
    return (ZH * length)[:length]


def post_add(alice, text: str, **fields):
    body = {"messages": [{"role": "user", "content": text}], "user_id": "alice", "infer": False}
    return alice.client().post("/v3/memories/add/", {**body, **fields}, format="json")


def put(alice, memory_id, body: dict):
    return alice.client().put(f"/v1/memories/{memory_id}/", body, format="json")


def batch(alice, items: list[dict]):
    return alice.client().put("/v1/batch/", {"memories": items}, format="json")


def test_it_adds_a_text_exactly_at_the_limit(alice):
    response = post_add(alice, text_of(LIMIT))

    assert response.status_code == 200
    assert Memory.objects.get().text == text_of(LIMIT)


def test_it_refuses_an_add_one_character_over_the_limit(alice):
    response = post_add(alice, text_of(LIMIT + 1))

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "memory text: 51 characters, over the limit of 50 characters per memory."
    )
    assert not Memory.objects.exists()


def test_it_refuses_an_add_whose_metadata_is_over_the_limit(alice):
    response = post_add(alice, "likes tea", metadata={"note": "x" * 40})

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "metadata: 51 characters of JSON, over the limit of 40 characters per memory."
    )


def test_it_updates_to_a_text_exactly_at_the_limit(alice, add):
    [memory_id] = add("likes tea")

    response = put(alice, memory_id, {"text": text_of(LIMIT)})

    assert response.status_code == 200 and response.json()["memory"] == text_of(LIMIT)


def test_it_refuses_an_update_one_character_over_the_limit(alice, add):
    [memory_id] = add("likes tea")

    response = put(alice, memory_id, {"text": text_of(LIMIT + 1)})

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "text: 51 characters, over the limit of 50 characters per memory."
    )
    assert Memory.objects.get().text == "likes tea" and Memory.objects.get().history.count() == 1


def test_it_refuses_an_update_whose_merged_metadata_is_over_the_limit(alice, add):
    [memory_id] = add("likes tea", metadata={"a": "x" * 20})

    response = put(alice, memory_id, {"metadata": {"b": "y" * 20}})

    assert response.status_code == 400
    assert "over the limit of 40 characters" in response.json()["detail"]
    assert Memory.objects.get().metadata == {"a": "x" * 20}


def test_it_refuses_a_whole_batch_when_one_text_is_over_the_limit(alice, add):
    first, second = add("likes tea", "likes cake")

    response = batch(
        alice,
        [
            {"memory_id": first, "text": text_of(LIMIT)},
            {"memory_id": second, "text": text_of(LIMIT + 1)},
        ],
    )

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "memories[1].text: 51 characters, over the limit of 50 characters per memory."
    )
    assert set(Memory.objects.values_list("text", flat=True)) == {"likes tea", "likes cake"}


def test_it_names_the_batch_item_whose_metadata_is_over_the_limit(alice, add):
    first, second = add("likes tea", "likes cake")

    response = batch(
        alice,
        [{"memory_id": first, "text": "ok"}, {"memory_id": second, "metadata": {"k": "v" * 40}}],
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("memories[1].metadata: 48 characters of JSON")
    assert set(Memory.objects.values_list("text", flat=True)) == {"likes tea", "likes cake"}


def test_it_batch_updates_texts_exactly_at_the_limit(alice, add):
    [memory_id] = add("likes tea")

    response = batch(alice, [{"memory_id": memory_id, "text": text_of(LIMIT)}])

    assert response.status_code == 200 and Memory.objects.get().text == text_of(LIMIT)


def test_it_keeps_longer_messages_for_inference_than_for_a_memory(alice):
    response = post_add(alice, text_of(LIMIT + 1), infer=True)

    assert response.status_code == 200 and response.json()["status"] == "PENDING"


def test_it_stores_extracted_facts_within_the_limit_and_drops_longer_ones(alice, settings):
    settings.MEMORY_TEXT_MAX_CHARS = len("Loves Indian food")
    text = "I love Indian food. I work as a senior software engineer at a big company in Berlin."

    response = post_add(alice, text, infer=True, async_mode=False)

    assert response.status_code == 200
    assert [r["memory"] for r in response.json()["results"]] == ["Loves Indian food"]
    assert list(Memory.objects.values_list("text", flat=True)) == ["Loves Indian food"]
