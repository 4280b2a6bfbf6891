"""The real npm `mem0ai` 3.3.1 `MemoryClient` (var/sdk/node-3.3.1, run by node) against Engram.

JS 3.x uses the v3 routes like Python 2.x, converts request keys camelCase -> snake_case and
response keys snake_case -> camelCase (values under `metadata` untouched), and never converts
`filters` (section 1.6: `{userId: ...}` reaches the server as is).
"""

import pytest

from tests.sdk import contract
from tests.sdk.harness import SdkCallError

pytestmark = pytest.mark.django_db(transaction=True)

U = "js3-user"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def sdk(sdk_js3, sdk_session, sdk_alice):
    return sdk_session(sdk_js3, sdk_alice)


def remember(sdk, text, user_id=U, **options):
    answer = sdk.call(
        "add", [{"role": "user", "content": text}], {"userId": user_id, "infer": False, **options}
    )
    return answer["results"][0]["id"]


def raises(sdk, error_type, method, *args):
    with pytest.raises(SdkCallError) as caught:
        sdk.call(method, *args)
    assert caught.value.type == error_type, caught.value.error
    return caught.value


# --- add (5.2) ------------------------------------------------------------------------------


def test_add_with_infer_false_stores_each_message_and_returns_ids(sdk):
    answer = sdk.call(
        "add",
        [
            {"role": "user", "content": "I play badminton"},
            {"role": "assistant", "content": "Badminton noted"},
        ],
        {"userId": U, "infer": False, "metadata": {"someKey": "kept verbatim"}},
    )

    assert answer["status"] == "SUCCEEDED"
    assert contract.is_uuid(answer["eventId"])
    assert len(answer["results"]) == 2
    for item in answer["results"]:
        contract.assert_sync_add_item(item, camel=True)
    stored = sdk.call("get", answer["results"][0]["id"])
    assert stored["metadata"] == {"someKey": "kept verbatim"}
    assert stored["userId"] == U


def test_add_by_default_is_queued_with_an_event_id(sdk):
    answer = sdk.call("add", [{"role": "user", "content": "I moved to Austin"}], {"userId": U})

    assert answer["status"] == "PENDING"
    assert contract.is_uuid(answer["eventId"])


def test_add_with_expiration_date_and_timestamp(sdk):
    memory_id = remember(sdk, "Backdated", expirationDate="2099-06-30", timestamp=1700000000)

    memory = sdk.call("get", memory_id)

    assert memory["expirationDate"] == "2099-06-30"
    assert memory["createdAt"].startswith("2023-11-14")


# --- search (5.3) ---------------------------------------------------------------------------


def test_search_with_snake_and_camel_case_filters(sdk):
    sushi = remember(sdk, "My favourite food is sushi")
    remember(sdk, "I go hiking in the Alps every summer")
    remember(sdk, "Sushi is not my thing", user_id="someone-else")

    snake = sdk.call("search", "favourite food sushi", {"filters": {"user_id": U}, "topK": 5})
    camel = sdk.call("search", "favourite food sushi", {"filters": {"userId": U}})

    for answer in (snake, camel):
        contract.assert_search_results(answer["results"], camel=True)
        assert answer["results"][0]["id"] == sushi
        assert {r["userId"] for r in answer["results"]} == {U}


def test_search_finds_the_chinese_quick_start(sdk):
    sentence = "我喜欢印度菜，但对奶酪过敏不能吃披萨"  # noqa: RUF001 - as users write it
    messages = [
        {"role": "user", "content": sentence},
        {"role": "assistant", "content": "我会记住您的饮食偏好"},
    ]
    sdk.call("add", messages, {"userId": "zh-user", "infer": False})
    for other in ("我每天早上跑步", "我的猫叫咪咪", "下个月我要去上海出差"):
        remember(sdk, other, user_id="zh-user")

    def found(query):
        answer = sdk.call("search", query, {"filters": {"user_id": "zh-user"}})
        return [r["memory"] for r in answer["results"]]

    assert found("我对什么过敏？")[0] == sentence  # noqa: RUF001
    assert sentence in found("饮食偏好")[:2]


def test_a_chinese_conversation_with_inference_becomes_chinese_memories(sdk):
    messages = [
        {"role": "user", "content": "我喜欢印度菜，但对奶酪过敏不能吃披萨"},  # noqa: RUF001
        {"role": "assistant", "content": "我会记住您的饮食偏好"},
    ]
    # asyncMode false (sent as async_mode): extracted before the call returns.
    sdk.call("add", messages, {"userId": "zh-infer", "asyncMode": False})

    stored = sdk.call("getAll", {"filters": {"user_id": "zh-infer"}})["results"]
    allergy = sdk.call("search", "我对什么过敏？", {"filters": {"user_id": "zh-infer"}})  # noqa: RUF001

    assert {m["memory"] for m in stored} == {"喜欢印度菜", "对奶酪过敏", "不能吃披萨"}
    assert allergy["results"][0]["memory"] == "对奶酪过敏"


# --- getAll (5.4) ---------------------------------------------------------------------------


def test_get_all_returns_the_paginated_envelope(sdk):
    ids = {remember(sdk, f"Fact {n}") for n in range(3)}
    remember(sdk, "Not mine", user_id="someone-else")

    everything = sdk.call("getAll", {"filters": {"user_id": U}})
    first = sdk.call("getAll", {"filters": {"user_id": U}, "page": 1, "pageSize": 2})
    second = sdk.call("getAll", {"filters": {"userId": U}, "page": 2, "pageSize": 2})

    contract.assert_page(everything, camel=True, count=3)
    assert {m["id"] for m in everything["results"]} == ids
    contract.assert_page(first, camel=True, count=3)
    contract.assert_page(second, camel=True, count=3)
    assert len(first["results"]) == 2 and first["next"] and first["previous"] is None
    assert len(second["results"]) == 1 and second["next"] is None and second["previous"]
    assert {m["id"] for m in first["results"] + second["results"]} == ids


def test_get_all_without_filters_is_a_validation_error(sdk):
    raises(sdk, "ValidationError", "getAll", {})


# --- get / update / history -----------------------------------------------------------------


def test_get_update_and_history(sdk):
    memory_id = remember(sdk, "Drinks coffee", metadata={"a": 1})

    memory = sdk.call("get", memory_id)
    by_text = sdk.call("update", memory_id, {"text": "Drinks tea"})
    by_metadata = sdk.call("update", memory_id, {"metadata": {"a": 1, "camelKey": 2}})
    by_expiry = sdk.call("update", memory_id, {"expirationDate": "2099-12-31"})
    by_timestamp = sdk.call("update", memory_id, {"timestamp": 1700000000})
    cleared = sdk.call("update", memory_id, {"expirationDate": None})
    history = sdk.call("history", memory_id)

    contract.assert_memory(memory, camel=True)
    assert memory["memory"] == "Drinks coffee" and memory["metadata"] == {"a": 1}
    assert by_text["id"] == memory_id and by_text["memory"] == "Drinks tea"
    assert by_metadata["metadata"] == {"a": 1, "camelKey": 2}
    assert by_expiry["expirationDate"] == "2099-12-31"
    assert by_timestamp["id"] == memory_id
    assert cleared["expirationDate"] is None
    assert isinstance(history, list)
    for entry in history:
        contract.assert_history_entry(entry, camel=True)
    assert [h["event"] for h in history][:2] == ["ADD", "UPDATE"]
    assert history[1]["oldMemory"] == "Drinks coffee"
    assert history[1]["newMemory"] == "Drinks tea"


def test_update_merges_metadata_as_a_merge_patch(sdk):
    """Engram merges metadata as a JSON merge patch (USERS.md #10): keys not mentioned stay,
    a key set to null is removed."""
    memory_id = remember(sdk, "Drinks coffee", metadata={"a": 1})

    answer = sdk.call("update", memory_id, {"metadata": {"b": 2, "a": None, "c": 3}})

    assert answer["metadata"] == {"b": 2, "c": 3}


def test_get_of_unknown_ids(sdk):
    error = raises(sdk, "MemoryNotFoundError", "get", UNKNOWN)
    assert error.error["error_code"] == "HTTP_404"
    assert "Memory not found!" in error.message  # 2.1: JS shows the raw body
    raises(sdk, "ValidationError", "get", "not-a-uuid")


# --- delete / deleteAll ---------------------------------------------------------------------


def test_delete_and_delete_linked(sdk):
    plain = remember(sdk, "Temporary")
    linked = remember(sdk, "Also temporary")

    deleted = sdk.call("delete", plain)
    cascaded = sdk.call("delete", linked, {"deleteLinked": True})

    assert deleted["message"] == "Memory deleted successfully!"
    assert cascaded["message"] == "Memory deleted successfully!"
    assert isinstance(cascaded["cascadeCount"], int)
    raises(sdk, "MemoryNotFoundError", "get", plain)
    raises(sdk, "MemoryNotFoundError", "get", linked)


def test_delete_all_by_user_id(sdk):
    remember(sdk, "Mine")
    other = remember(sdk, "Theirs", user_id="other-user")

    answer = sdk.call("deleteAll", {"userId": U})

    assert isinstance(answer["message"], str)
    assert sdk.call("getAll", {"filters": {"user_id": U}})["count"] == 0
    assert sdk.call("get", other)["memory"] == "Theirs"


def test_delete_all_without_a_filter_is_refused(sdk):
    kept = remember(sdk, "Must survive")

    raises(sdk, "ValidationError", "deleteAll")

    assert sdk.call("get", kept)["memory"] == "Must survive"


# --- users / deleteUsers / deleteUser -------------------------------------------------------


def test_users_with_and_without_pages(sdk):
    remember(sdk, "One")
    remember(sdk, "Two", user_id="other-user")

    everyone = sdk.call("users")
    page = sdk.call("users", {"page": 1, "pageSize": 1})

    contract.assert_entities(everyone, camel=True)
    names = contract.entity_names(everyone)
    assert set(names) == {U, "other-user"}
    assert names[U]["totalMemories"] == 1
    assert page["count"] == 2 and len(page["results"]) == 1


def test_delete_users_by_user_id_and_without_arguments(sdk):
    memory_id = remember(sdk, "Doomed")
    remember(sdk, "Two", user_id="other-user")

    one = sdk.call("deleteUsers", {"userId": U})
    after_one = sdk.call("users")
    everything = sdk.call("deleteUsers")

    assert one == {"message": "Entity deleted successfully."}
    assert set(contract.entity_names(after_one)) == {"other-user"}
    raises(sdk, "MemoryNotFoundError", "get", memory_id)
    assert everything == {"message": "All users, agents, apps and runs deleted."}
    assert sdk.call("users")["results"] == []


def test_deprecated_delete_user_by_numeric_entity_id(sdk):
    remember(sdk, "Doomed")
    entity = contract.entity_names(sdk.call("users"))[U]

    answer = sdk.call("deleteUser", {"entity_id": int(entity["id"]), "entity_type": "user"})

    assert isinstance(answer["message"], str)
    assert U not in contract.entity_names(sdk.call("users"))


# --- batch / feedback -----------------------------------------------------------------------


def test_batch_update_batch_delete_and_feedback(sdk):
    first = remember(sdk, "First")
    second = remember(sdk, "Second")

    feedback = sdk.call(
        "feedback", {"memoryId": first, "feedback": "POSITIVE", "feedbackReason": "right"}
    )
    updated = sdk.call(
        "batchUpdate", [{"memoryId": first, "text": "First!"}, {"memoryId": second, "text": "2!"}]
    )
    texts = [sdk.call("get", m)["memory"] for m in (first, second)]
    deleted = sdk.call("batchDelete", [first, second])

    assert contract.is_uuid(feedback["id"])
    assert feedback["feedback"] == "POSITIVE" and feedback["feedbackReason"] == "right"
    assert updated == {"message": "Successfully updated 2 memories"}
    assert texts == ["First!", "2!"]
    assert deleted == {"message": "Successfully deleted 2 memories"}
    raises(sdk, "MemoryNotFoundError", "get", first)


# --- tenancy --------------------------------------------------------------------------------


def test_another_tenant_never_sees_alices_memories(sdk, sdk_js3, sdk_session, sdk_charlie):
    memory_id = remember(sdk, "Alice's secret")
    charlie = sdk_session(sdk_js3, sdk_charlie)

    assert charlie.call("search", "secret", {"filters": {"user_id": U}})["results"] == []
    assert charlie.call("getAll", {"filters": {"user_id": U}})["count"] == 0
    assert U not in contract.entity_names(charlie.call("users"))
    raises(charlie, "MemoryNotFoundError", "get", memory_id)
    raises(charlie, "MemoryNotFoundError", "update", memory_id, {"text": "hijacked"})
    raises(charlie, "MemoryNotFoundError", "delete", memory_id)
    assert sdk.call("get", memory_id)["memory"] == "Alice's secret"
