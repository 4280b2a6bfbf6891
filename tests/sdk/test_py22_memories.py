"""The real `mem0ai` 2.2.1 `MemoryClient` against a live Engram: every public memory method.

Data is built through the SDK itself (`infer=False` adds are synchronous and verbatim).
Shapes are API-CONTRACT.md's (section numbers in the comments).
"""

import pytest
from mem0 import MemoryClient
from mem0.exceptions import MemoryNotFoundError, ValidationError

from tests.sdk import contract

pytestmark = pytest.mark.django_db(transaction=True)

U = "py22-user"


def remember(client, text, user_id=U, **kwargs):
    """Store `text` verbatim for `user_id`; return the new memory's id."""
    answer = client.add([{"role": "user", "content": text}], user_id=user_id, infer=False, **kwargs)
    return answer["results"][0]["id"]


# --- add (5.2) ------------------------------------------------------------------------------


def test_add_with_infer_false_stores_each_message_and_returns_ids(memory_client):
    answer = memory_client.add(
        [
            {"role": "user", "content": "I play badminton on Sundays"},
            {"role": "assistant", "content": "Noted: badminton on Sundays"},
        ],
        user_id=U,
        infer=False,
        metadata={"source": "onboarding"},
    )

    assert answer["status"] == "SUCCEEDED"
    assert contract.is_uuid(answer["event_id"])
    assert isinstance(answer["message"], str)
    assert len(answer["results"]) == 2
    for item in answer["results"]:
        contract.assert_sync_add_item(item)
    texts = {item["data"]["memory"] for item in answer["results"]}
    assert texts == {"I play badminton on Sundays", "Noted: badminton on Sundays"}
    stored = memory_client.get(answer["results"][0]["id"])
    assert stored["metadata"] == {"source": "onboarding"}
    assert stored["user_id"] == U


def test_add_accepts_the_entity_in_filters_as_the_python_docstrings_say(memory_client):
    answer = memory_client.add("Allergic to nuts", filters={"user_id": U}, infer=False)

    contract.assert_sync_add_item(answer["results"][0])
    assert memory_client.get(answer["results"][0]["id"])["user_id"] == U


def test_add_by_default_is_queued_with_an_event_id(memory_client):
    answer = memory_client.add("I moved to Austin last year", user_id=U)

    assert answer["status"] == "PENDING"
    assert contract.is_uuid(answer["event_id"])


def test_add_with_expiration_date_and_timestamp(memory_client):
    memory_id = remember(
        memory_client, "Backdated", expiration_date="2099-06-30", timestamp=1700000000
    )

    memory = memory_client.get(memory_id)

    assert memory["expiration_date"] == "2099-06-30"
    assert memory["created_at"].startswith("2023-11-14")


def test_add_without_any_entity_is_a_validation_error(memory_client):
    with pytest.raises(ValidationError):
        memory_client.add("orphan fact", infer=False)


# --- search (5.3) ---------------------------------------------------------------------------


def test_search_with_filters_ranks_the_matching_memory_first(memory_client):
    sushi = remember(memory_client, "My favourite food is sushi")
    remember(memory_client, "I go hiking in the Alps every summer")
    remember(memory_client, "Sushi is not my thing", user_id="someone-else")

    answer = memory_client.search("favourite food sushi", filters={"user_id": U})

    assert set(answer) >= {"results"}
    assert "relations" not in answer
    contract.assert_search_results(answer["results"])
    assert answer["results"][0]["id"] == sushi
    assert {r["user_id"] for r in answer["results"]} == {U}


def test_search_finds_the_chinese_quick_start(memory_client):
    sentence = "我喜欢印度菜，但对奶酪过敏不能吃披萨"  # noqa: RUF001
    messages = [
        {"role": "user", "content": sentence},
        {"role": "assistant", "content": "我会记住您的饮食偏好"},
    ]
    memory_client.add(messages, user_id="user123", infer=False)
    for other in ("我每天早上跑步", "我的猫叫咪咪", "下个月我要去上海出差"):
        memory_client.add(other, user_id="user123", infer=False)

    cheese = memory_client.search("奶酪", filters={"user_id": "user123"})
    allergy = memory_client.search("我对什么过敏？", filters={"user_id": "user123"})  # noqa: RUF001
    diet = memory_client.search("饮食偏好", filters={"user_id": "user123"})

    assert cheese["results"][0]["memory"] == sentence
    assert allergy["results"][0]["memory"] == sentence
    assert sentence in [r["memory"] for r in diet["results"][:2]]


def test_a_chinese_conversation_with_inference_becomes_chinese_memories(memory_client):
    messages = [
        {"role": "user", "content": "我喜欢印度菜，但对奶酪过敏不能吃披萨"},  # noqa: RUF001
        {"role": "assistant", "content": "我会记住您的饮食偏好"},
    ]
    # async_mode=False: extracted (offline, no LLM here) before the call returns.
    memory_client.add(messages, user_id="zh-infer", async_mode=False)
    memory_client.add("我是程序员，喜欢写 Python 代码", user_id="zh-infer", async_mode=False)  # noqa: RUF001

    stored = memory_client.get_all(filters={"user_id": "zh-infer"})["results"]
    allergy = memory_client.search("我对什么过敏？", filters={"user_id": "zh-infer"})  # noqa: RUF001
    # A bare keyword shares no words with the memory and scores under the default 0.1.
    stack = memory_client.search("技术栈", filters={"user_id": "zh-infer"}, threshold=0)

    assert {m["memory"] for m in stored} == {
        "喜欢印度菜",
        "对奶酪过敏",
        "不能吃披萨",
        "是程序员",
        "喜欢写 Python 代码",
    }
    assert all(m["source"]["event_id"] for m in stored)  # provenance reaches the SDK
    assert allergy["results"][0]["memory"] == "对奶酪过敏"
    assert "喜欢写 Python 代码" in [r["memory"] for r in stack["results"][:3]]


def test_search_honours_top_k_and_structured_filters(memory_client):
    for n in range(3):
        remember(memory_client, f"Note number {n} about tea", metadata={"n": n})

    answer = memory_client.search(
        "tea", filters={"AND": [{"user_id": U}, {"metadata": {"n": 1}}]}, top_k=5
    )
    limited = memory_client.search("tea", filters={"user_id": U}, top_k=2, threshold=0.0)

    assert [r["memory"] for r in answer["results"]] == ["Note number 1 about tea"]
    assert len(limited["results"]) == 2


# --- get_all (5.4) --------------------------------------------------------------------------


def test_get_all_returns_the_paginated_envelope(memory_client):
    ids = {remember(memory_client, f"Fact {n}") for n in range(3)}
    remember(memory_client, "Not mine", user_id="someone-else")

    everything = memory_client.get_all(filters={"user_id": U})
    first = memory_client.get_all(filters={"user_id": U}, page=1, page_size=2)
    second = memory_client.get_all(filters={"user_id": U}, page=2, page_size=2)

    contract.assert_page(everything, count=3)
    assert {m["id"] for m in everything["results"]} == ids
    assert everything["next"] is None and everything["previous"] is None
    contract.assert_page(first, count=3)
    contract.assert_page(second, count=3)
    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert first["previous"] is None and first["next"] is not None
    assert second["previous"] is not None and second["next"] is None
    assert {m["id"] for m in first["results"] + second["results"]} == ids


def test_get_all_sends_page_size_alone(memory_client):
    for n in range(3):
        remember(memory_client, f"Fact {n}")

    page = memory_client.get_all(filters={"user_id": U}, page_size=1)

    contract.assert_page(page, count=3)
    assert len(page["results"]) == 1


# --- get / update (5.5, 5.6) ----------------------------------------------------------------


def test_get_returns_the_memory_object(memory_client):
    memory_id = remember(memory_client, "Is a vegetarian", metadata={"k": "v"})

    memory = memory_client.get(memory_id)

    contract.assert_memory(memory)
    assert memory["id"] == memory_id
    assert memory["memory"] == "Is a vegetarian"
    assert memory["metadata"] == {"k": "v"}
    assert "score" not in memory


def test_get_of_an_unknown_or_malformed_id(memory_client):
    with pytest.raises(MemoryNotFoundError) as not_found:
        memory_client.get("00000000-0000-4000-8000-000000000000")
    with pytest.raises(ValidationError) as malformed:
        memory_client.get("not-a-uuid")

    assert not_found.value.message == "Memory not found!"  # 2.1: from the body's `detail`
    assert not_found.value.error_code == "HTTP_404"
    assert malformed.value.message == "memory_id should be a valid UUID"


def test_update_text_expiration_and_timestamp(memory_client):
    memory_id = remember(memory_client, "Lives in Paris")

    by_text = memory_client.update(memory_id, text="Lives in Berlin")
    by_expiry = memory_client.update(memory_id, expiration_date="2099-12-31")
    expiring = memory_client.get(memory_id)
    cleared = memory_client.update(memory_id, expiration_date=None)
    by_timestamp = memory_client.update(memory_id, timestamp=1700000000)

    for answer in (by_text, by_expiry, cleared, by_timestamp):
        contract.assert_memory(answer)
        assert answer["id"] == memory_id
    assert by_text["memory"] == "Lives in Berlin"
    assert expiring["expiration_date"] == "2099-12-31"
    final = memory_client.get(memory_id)
    assert final["memory"] == "Lives in Berlin"
    assert final["expiration_date"] is None


def test_update_merges_metadata_as_a_merge_patch(memory_client):
    """Engram merges metadata as a JSON merge patch (USERS.md #10): keys not mentioned stay,
    a key set to null is removed."""
    memory_id = remember(memory_client, "Lives in Paris", metadata={"a": 1})

    answer = memory_client.update(memory_id, metadata={"b": 2, "a": None, "c": 3})

    assert answer["metadata"] == {"b": 2, "c": 3}
    assert memory_client.get(memory_id)["metadata"] == {"b": 2, "c": 3}


def test_update_of_an_unknown_memory_is_not_found(memory_client):
    with pytest.raises(MemoryNotFoundError):
        memory_client.update("00000000-0000-4000-8000-000000000000", text="x")


# --- history (5.9) --------------------------------------------------------------------------


def test_history_is_a_list_oldest_first_add_then_update(memory_client):
    memory_id = remember(memory_client, "Drinks coffee")
    memory_client.update(memory_id, text="Drinks tea")

    history = memory_client.history(memory_id)

    assert isinstance(history, list)
    for entry in history:
        contract.assert_history_entry(entry)
    assert [h["event"] for h in history] == ["ADD", "UPDATE"]
    assert {h["memory_id"] for h in history} == {memory_id}
    assert history[0]["new_memory"] == "Drinks coffee"
    assert history[1]["old_memory"] == "Drinks coffee"
    assert history[1]["new_memory"] == "Drinks tea"


def test_history_stays_a_list_of_the_first_page_of_a_long_history(memory_client, settings):
    settings.MEMORY_HISTORY_MAX_ENTRIES = 1000
    memory_id = remember(memory_client, "Drinks coffee")
    for n in range(101):
        memory_client.update(memory_id, text=f"Drinks tea {n}")

    history = memory_client.history(memory_id)

    assert isinstance(history, list) and len(history) == 100
    assert history[0]["event"] == "ADD" and history[-1]["new_memory"] == "Drinks tea 98"


def test_update_over_the_text_limit_is_a_validation_error_naming_it(memory_client, settings):
    settings.MEMORY_TEXT_MAX_CHARS = 12
    memory_id = remember(memory_client, "我喜欢印度菜" * 2)

    with pytest.raises(ValidationError, match="18 characters, over the limit of 12"):
        memory_client.update(memory_id, text="我喜欢印度菜" * 3)


# --- delete / delete_all (5.7, 5.8) ---------------------------------------------------------


def test_delete_then_get_is_not_found(memory_client):
    memory_id = remember(memory_client, "Temporary fact")

    answer = memory_client.delete(memory_id)

    assert answer["message"] == "Memory deleted successfully!"
    with pytest.raises(MemoryNotFoundError):
        memory_client.get(memory_id)


def test_delete_linked_reports_a_cascade_count(memory_client):
    memory_id = remember(memory_client, "Standalone fact")

    answer = memory_client.delete(memory_id, delete_linked=True)

    assert answer["message"] == "Memory deleted successfully!"
    assert isinstance(answer["cascade_count"], int)
    with pytest.raises(MemoryNotFoundError):
        memory_client.get(memory_id)


def test_delete_all_by_user_id_keeps_other_users(memory_client):
    remember(memory_client, "Mine 1")
    remember(memory_client, "Mine 2")
    other = remember(memory_client, "Theirs", user_id="other-user")

    answer = memory_client.delete_all(user_id=U)

    assert isinstance(answer["message"], str)
    assert memory_client.get_all(filters={"user_id": U})["count"] == 0
    assert memory_client.get(other)["memory"] == "Theirs"


def test_delete_all_with_filters_arrives_as_a_python_repr_and_works(memory_client):
    remember(memory_client, "Mine")
    other = remember(memory_client, "Theirs", user_id="other-user")

    answer = memory_client.delete_all(filters={"user_id": U})  # ?filters={'user_id': '...'}

    assert isinstance(answer["message"], str)
    assert memory_client.get_all(filters={"user_id": U})["count"] == 0
    assert memory_client.get(other)["memory"] == "Theirs"


def test_delete_all_without_a_filter_is_refused(memory_client):
    kept = remember(memory_client, "Must survive")

    with pytest.raises(ValidationError):
        memory_client.delete_all()

    assert memory_client.get(kept)["memory"] == "Must survive"


# --- users / delete_users / reset (5.10, 5.11) ----------------------------------------------


def test_users_lists_entities_with_counts(memory_client):
    remember(memory_client, "One")
    remember(memory_client, "Two")
    memory_client.add("Agent fact", agent_id="travel-agent", infer=False)

    page = memory_client.users()

    contract.assert_entities(page)
    assert contract.entity_names(page)[U]["total_memories"] == 2
    assert "travel-agent" in contract.entity_names(page, "agent")


def test_delete_users_by_user_id_deletes_the_entity_and_its_memories(memory_client):
    memory_id = remember(memory_client, "Doomed")
    kept = remember(memory_client, "Kept", user_id="other-user")

    answer = memory_client.delete_users(user_id=U)

    assert answer == {"message": "Entity deleted successfully."}
    assert U not in contract.entity_names(memory_client.users())
    with pytest.raises(MemoryNotFoundError):
        memory_client.get(memory_id)
    assert memory_client.get(kept)["memory"] == "Kept"


def test_delete_users_without_arguments_deletes_every_entity(memory_client):
    remember(memory_client, "One")
    memory_client.add("Agent fact", agent_id="travel-agent", infer=False)

    answer = memory_client.delete_users()

    assert answer == {"message": "All users, agents, apps and runs deleted."}
    assert memory_client.users()["results"] == []


def test_reset_deletes_everything(memory_client):
    remember(memory_client, "One")
    remember(memory_client, "Two", user_id="other-user")

    answer = memory_client.reset()

    assert answer == {"message": "Client reset successful. All users and memories deleted."}
    assert memory_client.users()["results"] == []
    assert memory_client.get_all(filters={"user_id": "*"})["count"] == 0


# --- batch (5.12) ---------------------------------------------------------------------------


def test_batch_update_and_batch_delete(memory_client):
    first = remember(memory_client, "First")
    second = remember(memory_client, "Second")

    updated = memory_client.batch_update(
        [
            {"memory_id": first, "text": "First, edited"},
            {"memory_id": second, "text": "Second, edited", "metadata": {"m": 1}},
        ]
    )
    after_update = (memory_client.get(first), memory_client.get(second))
    deleted = memory_client.batch_delete([{"memory_id": first}, {"memory_id": second}])

    assert updated == {"message": "Successfully updated 2 memories"}
    assert after_update[0]["memory"] == "First, edited"
    assert after_update[1]["memory"] == "Second, edited"
    assert after_update[1]["metadata"] == {"m": 1}
    assert deleted == {"message": "Successfully deleted 2 memories"}
    for memory_id in (first, second):
        with pytest.raises(MemoryNotFoundError):
            memory_client.get(memory_id)


# --- feedback (5.13) ------------------------------------------------------------------------


def test_feedback_is_recorded_and_cleared(memory_client):
    memory_id = remember(memory_client, "Likes jazz")

    given = memory_client.feedback(memory_id, "positive", "spot on")
    cleared = memory_client.feedback(memory_id)

    assert contract.is_uuid(given["id"])
    assert given["feedback"] == "POSITIVE"
    assert given["feedback_reason"] == "spot on"
    assert cleared["feedback"] is None and cleared["feedback_reason"] is None


def test_feedback_on_an_unknown_memory_is_not_found(memory_client):
    with pytest.raises(MemoryNotFoundError):
        memory_client.feedback("00000000-0000-4000-8000-000000000000", "NEGATIVE")


# --- tenancy --------------------------------------------------------------------------------


def test_another_tenant_never_sees_alices_memories(memory_client, sdk_charlie, live_server):
    memory_id = remember(memory_client, "Alice's secret")
    charlie = MemoryClient(api_key=sdk_charlie.key, host=live_server.url)

    assert charlie.search("secret", filters={"user_id": U})["results"] == []
    assert charlie.get_all(filters={"user_id": U})["count"] == 0
    assert U not in contract.entity_names(charlie.users())
    with pytest.raises(MemoryNotFoundError):
        charlie.get(memory_id)
    with pytest.raises(MemoryNotFoundError):
        charlie.update(memory_id, text="hijacked")
    with pytest.raises(MemoryNotFoundError):
        charlie.delete(memory_id)
    with pytest.raises(MemoryNotFoundError):
        charlie.history(memory_id)
    assert memory_client.get(memory_id)["memory"] == "Alice's secret"
