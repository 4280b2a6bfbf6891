"""The real npm `mem0ai` 2.4.6 `MemoryClient` (var/sdk/node-2.4.6, run by node) against Engram.

JS 2.x passes the caller's options through raw (snake_case, no conversion either way), talks to
the legacy routes (section 6) and adds the ping's `org_id`/`project_id` to add, search, getAll,
deleteAll, users and deleteUsers. It re-pings before calls until the ping says `status: ok`.
"""

import pytest

from tests.sdk import contract
from tests.sdk.harness import SdkCallError

pytestmark = pytest.mark.django_db(transaction=True)

U = "js2-user"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def sdk(sdk_js2, sdk_session, sdk_alice):
    return sdk_session(sdk_js2, sdk_alice)


def remember(sdk, text, user_id=U, **options):
    answer = sdk.call(
        "add", [{"role": "user", "content": text}], {"user_id": user_id, "infer": False, **options}
    )
    assert isinstance(answer, list), f"v1.0 add must answer a bare list, got {answer!r}"
    return answer[0]["id"]


def raises(sdk, error_type, method, *args):
    with pytest.raises(SdkCallError) as caught:
        sdk.call(method, *args)
    assert caught.value.type == error_type, caught.value.error
    return caught.value


# --- add (6.1) ------------------------------------------------------------------------------


def test_add_with_infer_false_answers_a_bare_list_of_sync_items(sdk):
    answer = sdk.call(
        "add",
        [
            {"role": "user", "content": "I play chess"},
            {"role": "assistant", "content": "Chess noted"},
        ],
        {"user_id": U, "infer": False, "metadata": {"src": "js2"}},
    )

    assert isinstance(answer, list), f"v1.0 add must answer a bare list, got {answer!r}"
    assert len(answer) == 2
    for item in answer:
        contract.assert_sync_add_item(item)
        assert item["memory"] == item["data"]["memory"]
    assert sdk.call("get", answer[0]["id"])["metadata"] == {"src": "js2"}


def test_add_with_output_format_v1_1_answers_the_object(sdk):
    answer = sdk.call(
        "add",
        [{"role": "user", "content": "I play go"}],
        {"user_id": U, "infer": False, "output_format": "v1.1"},
    )

    assert set(answer) == {"results", "relations"}
    contract.assert_sync_add_item(answer["results"][0])


def test_add_by_default_is_queued(sdk):
    answer = sdk.call("add", [{"role": "user", "content": "I moved to Austin"}], {"user_id": U})

    assert isinstance(answer, list), f"v1.0 add must answer a bare list, got {answer!r}"
    assert len(answer) == 1
    contract.assert_queued_item(answer[0])


# --- search (6.4) ---------------------------------------------------------------------------


def test_legacy_search_finds_chinese(sdk):
    sentence = "我喜欢印度菜，但对奶酪过敏不能吃披萨"  # noqa: RUF001 - as users write it
    remember(sdk, sentence, user_id="zh-user")
    remember(sdk, "我会记住您的饮食偏好", user_id="zh-user")
    remember(sdk, "下个月我要去上海出差", user_id="zh-user")

    answer = sdk.call("search", "我对什么过敏？", {"user_id": "zh-user"})  # noqa: RUF001

    assert answer[0]["memory"] == sentence


def test_search_v1_and_v2_answer_bare_lists(sdk):
    sushi = remember(sdk, "My favourite food is sushi")
    remember(sdk, "I go hiking in the Alps every summer")
    remember(sdk, "Sushi is not my thing", user_id="someone-else")

    v1 = sdk.call("search", "favourite food sushi", {"user_id": U})
    v2 = sdk.call(
        "search", "favourite food sushi", {"api_version": "v2", "filters": {"user_id": U}}
    )

    for answer in (v1, v2):
        assert isinstance(answer, list), f"legacy search must be a bare list, got {answer!r}"
        contract.assert_search_results(answer)
        assert answer[0]["id"] == sushi
        assert {r["user_id"] for r in answer} == {U}


# --- getAll (6.2, 6.3) ----------------------------------------------------------------------


def test_get_all_v1_bare_list_and_paged_envelope(sdk):
    ids = {remember(sdk, f"Fact {n}") for n in range(3)}
    remember(sdk, "Not mine", user_id="someone-else")

    bare = sdk.call("getAll", {"user_id": U})
    first = sdk.call("getAll", {"user_id": U, "page": 1, "page_size": 2})
    second = sdk.call("getAll", {"user_id": U, "page": 2, "page_size": 2})

    assert isinstance(bare, list), f"v1 getAll without paging is a bare list, got {bare!r}"
    assert {m["id"] for m in bare} == ids
    for memory in bare:
        contract.assert_memory(memory)
    contract.assert_page(first, count=3)
    contract.assert_page(second, count=3)
    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert {m["id"] for m in first["results"] + second["results"]} == ids


def test_get_all_v2_bare_list_and_paged_envelope(sdk):
    ids = {remember(sdk, f"Fact {n}") for n in range(3)}

    bare = sdk.call("getAll", {"api_version": "v2", "filters": {"user_id": U}})
    paged = sdk.call(
        "getAll", {"api_version": "v2", "filters": {"user_id": U}, "page": 1, "page_size": 2}
    )

    assert isinstance(bare, list), f"v2 getAll without paging is a bare list, got {bare!r}"
    assert {m["id"] for m in bare} == ids
    contract.assert_page(paged, count=3)
    assert len(paged["results"]) == 2


# --- get / update / history / delete --------------------------------------------------------


def test_get_update_and_history(sdk):
    memory_id = remember(sdk, "Drinks coffee")

    memory = sdk.call("get", memory_id)
    by_text = sdk.call("update", memory_id, {"text": "Drinks tea"})
    by_metadata = sdk.call("update", memory_id, {"metadata": {"b": 2}})
    by_timestamp = sdk.call("update", memory_id, {"timestamp": 1700000000})
    history = sdk.call("history", memory_id)

    contract.assert_memory(memory)
    assert memory["memory"] == "Drinks coffee" and memory["user_id"] == U
    assert by_text["id"] == memory_id and by_text["memory"] == "Drinks tea"
    assert by_metadata["metadata"] == {"b": 2}
    assert by_timestamp["id"] == memory_id
    assert isinstance(history, list)
    for entry in history:
        contract.assert_history_entry(entry)
    assert [h["event"] for h in history][:2] == ["ADD", "UPDATE"]


def test_get_of_unknown_ids(sdk):
    raises(sdk, "MemoryNotFoundError", "get", UNKNOWN)
    raises(sdk, "ValidationError", "get", "not-a-uuid")


def test_delete_and_delete_all(sdk):
    memory_id = remember(sdk, "Temporary")
    remember(sdk, "Mine")
    other = remember(sdk, "Theirs", user_id="other-user")

    deleted = sdk.call("delete", memory_id)
    all_deleted = sdk.call("deleteAll", {"user_id": U})

    assert deleted["message"] == "Memory deleted successfully!"
    raises(sdk, "MemoryNotFoundError", "get", memory_id)
    assert isinstance(all_deleted["message"], str)
    assert sdk.call("getAll", {"user_id": U}) == []
    assert sdk.call("get", other)["memory"] == "Theirs"


def test_delete_all_without_an_entity_is_refused(sdk):
    """The SDK still sends org_id/project_id: they are not a filter (5.8: 400)."""
    kept = remember(sdk, "Must survive")

    raises(sdk, "ValidationError", "deleteAll")

    assert sdk.call("get", kept)["memory"] == "Must survive"


# --- users / deleteUsers / deleteUser -------------------------------------------------------


def test_users_and_delete_users(sdk):
    remember(sdk, "One")
    remember(sdk, "Two", user_id="other-user")
    remember(sdk, "Three", user_id="third-user")

    listed = sdk.call("users")
    one = sdk.call("deleteUsers", {"user_id": U})
    after_one = sdk.call("users")
    everything = sdk.call("deleteUsers")

    contract.assert_entities(listed)
    assert set(contract.entity_names(listed)) == {U, "other-user", "third-user"}
    assert one == {"message": "Entity deleted successfully."}
    assert set(contract.entity_names(after_one)) == {"other-user", "third-user"}
    assert everything == {"message": "All users, agents, apps and runs deleted."}
    assert sdk.call("users")["results"] == []


def test_deprecated_delete_user_by_numeric_entity_id(sdk):
    remember(sdk, "Doomed")
    entity = contract.entity_names(sdk.call("users"))[U]

    answer = sdk.call("deleteUser", {"entity_id": int(entity["id"])})

    assert isinstance(answer["message"], str)
    assert U not in contract.entity_names(sdk.call("users"))


# --- batch / feedback -----------------------------------------------------------------------


def test_batch_update_batch_delete_and_feedback(sdk):
    first = remember(sdk, "First")
    second = remember(sdk, "Second")

    feedback = sdk.call(
        "feedback", {"memory_id": first, "feedback": "NEGATIVE", "feedback_reason": "wrong"}
    )
    updated = sdk.call(
        "batchUpdate", [{"memoryId": first, "text": "First!"}, {"memoryId": second, "text": "2!"}]
    )
    texts = [sdk.call("get", m)["memory"] for m in (first, second)]
    deleted = sdk.call("batchDelete", [first, second])

    assert contract.is_uuid(feedback["id"])
    assert feedback["feedback"] == "NEGATIVE" and feedback["feedback_reason"] == "wrong"
    assert updated == {"message": "Successfully updated 2 memories"}
    assert texts == ["First!", "2!"]
    assert deleted == {"message": "Successfully deleted 2 memories"}
    raises(sdk, "MemoryNotFoundError", "get", first)


# --- tenancy --------------------------------------------------------------------------------


def test_another_tenant_never_sees_alices_memories(sdk, sdk_js2, sdk_session, sdk_charlie):
    memory_id = remember(sdk, "Alice's secret")
    charlie = sdk_session(sdk_js2, sdk_charlie)

    assert charlie.call("search", "secret", {"user_id": U}) == []
    assert charlie.call("getAll", {"user_id": U}) == []
    assert U not in contract.entity_names(charlie.call("users"))
    raises(charlie, "MemoryNotFoundError", "get", memory_id)
    raises(charlie, "MemoryNotFoundError", "delete", memory_id)
    assert sdk.call("get", memory_id)["memory"] == "Alice's secret"
