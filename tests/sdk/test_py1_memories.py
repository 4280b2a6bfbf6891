"""The real `mem0ai` 1.0.11 `MemoryClient` (var/sdk/py-1.0.11, in a subprocess) against Engram.

1.0.x talks to the legacy routes (section 6): add is `POST /v1/memories/` with
`async_mode=true, output_format=v1.1`; search is `POST /v2/memories/search/`; get_all is
`POST /v2/memories/` with top-level entity IDs; `org_id`/`project_id` ride along everywhere.
"""

import pytest

from tests.sdk import contract
from tests.sdk.harness import SdkCallError

pytestmark = pytest.mark.django_db(transaction=True)

U = "py1-user"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def sdk(sdk_py1, sdk_session, sdk_alice):
    return sdk_session(sdk_py1, sdk_alice)


def remember(sdk, text, user_id=U, **kwargs):
    answer = sdk.call(
        "add", [{"role": "user", "content": text}], user_id=user_id, infer=False, **kwargs
    )
    return answer["results"][0]["id"]


def raises(sdk, error_type, method, *args, **kwargs):
    with pytest.raises(SdkCallError) as caught:
        sdk.call(method, *args, **kwargs)
    assert caught.value.type == error_type, caught.value.error
    return caught.value


# --- add (6.1) ------------------------------------------------------------------------------


def test_add_with_infer_false_answers_v1_1_with_sync_items(sdk):
    answer = sdk.call(
        "add",
        [
            {"role": "user", "content": "I play chess"},
            {"role": "assistant", "content": "Chess it is"},
        ],
        user_id=U,
        infer=False,
        metadata={"src": "py1"},
    )

    assert set(answer) == {"results", "relations"}
    assert answer["relations"] == []
    assert len(answer["results"]) == 2
    for item in answer["results"]:
        contract.assert_sync_add_item(item)
        assert item["memory"] == item["data"]["memory"]
    assert sdk.call("get", answer["results"][0]["id"])["metadata"] == {"src": "py1"}


def test_add_by_default_is_queued_in_the_v1_1_shape(sdk):
    answer = sdk.call("add", "I moved to Austin last year", user_id=U)

    assert answer["relations"] == []
    assert len(answer["results"]) == 1
    contract.assert_queued_item(answer["results"][0])


# --- search (6.4: /v2/memories/search/) -----------------------------------------------------


def test_search_with_top_level_user_id_and_with_filters(sdk):
    sushi = remember(sdk, "My favourite food is sushi")
    remember(sdk, "I go hiking in the Alps every summer")
    remember(sdk, "Sushi is not my thing", user_id="someone-else")

    top_level = sdk.call("search", "favourite food sushi", user_id=U)
    filtered = sdk.call("search", "favourite food sushi", filters={"user_id": U})

    for answer in (top_level, filtered):
        contract.assert_search_results(answer["results"])
        assert answer["results"][0]["id"] == sushi
        assert {r["user_id"] for r in answer["results"]} == {U}


# --- get_all (6.3: POST /v2/memories/) ------------------------------------------------------


def test_get_all_with_top_level_user_id_and_with_pages(sdk):
    ids = {remember(sdk, f"Fact {n}") for n in range(3)}
    remember(sdk, "Not mine", user_id="someone-else")

    unpaged = sdk.call("get_all", user_id=U)
    first = sdk.call("get_all", filters={"user_id": U}, page=1, page_size=2)
    second = sdk.call("get_all", user_id=U, page=2, page_size=2)

    assert {m["id"] for m in unpaged["results"]} == ids  # a bare list, wrapped by the SDK
    for memory in unpaged["results"]:
        contract.assert_memory(memory)
    contract.assert_page(first, count=3)
    contract.assert_page(second, count=3)
    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert {m["id"] for m in first["results"] + second["results"]} == ids


# --- get / update / history / delete --------------------------------------------------------


def test_get_update_and_history(sdk):
    memory_id = remember(sdk, "Drinks coffee")

    memory = sdk.call("get", memory_id)
    by_text = sdk.call("update", memory_id, text="Drinks tea")
    by_metadata = sdk.call("update", memory_id, metadata={"b": 2})
    by_timestamp = sdk.call("update", memory_id, timestamp=1700000000)
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
    assert history[1]["old_memory"] == "Drinks coffee"
    assert history[1]["new_memory"] == "Drinks tea"


def test_update_merges_metadata_as_a_merge_patch(sdk):
    """Engram merges metadata as a JSON merge patch (USERS.md #10): keys not mentioned stay,
    a key set to null is removed."""
    memory_id = remember(sdk, "Drinks coffee", metadata={"a": 1})

    answer = sdk.call("update", memory_id, metadata={"b": 2, "a": None, "c": 3})

    assert answer["metadata"] == {"b": 2, "c": 3}


def test_get_and_update_of_unknown_ids(sdk):
    raises(sdk, "MemoryNotFoundError", "get", UNKNOWN)
    raises(sdk, "MemoryNotFoundError", "update", UNKNOWN, text="x")
    raises(sdk, "ValidationError", "get", "not-a-uuid")


def test_delete(sdk):
    memory_id = remember(sdk, "Temporary")

    answer = sdk.call("delete", memory_id)

    assert answer["message"] == "Memory deleted successfully!"
    raises(sdk, "MemoryNotFoundError", "get", memory_id)


def test_delete_all_by_user_id(sdk):
    remember(sdk, "Mine")
    other = remember(sdk, "Theirs", user_id="other-user")

    answer = sdk.call("delete_all", user_id=U)

    assert isinstance(answer["message"], str)
    assert sdk.call("get_all", user_id=U)["results"] == []
    assert sdk.call("get", other)["memory"] == "Theirs"


def test_delete_all_without_an_entity_is_refused(sdk):
    """The SDK still sends org_id/project_id: they are not a filter (5.8: 400)."""
    kept = remember(sdk, "Must survive")

    raises(sdk, "ValidationError", "delete_all")

    assert sdk.call("get", kept)["memory"] == "Must survive"


# --- users / delete_users / reset -----------------------------------------------------------


def test_users_and_delete_users(sdk):
    remember(sdk, "One")
    remember(sdk, "Two")
    kept = remember(sdk, "Kept", user_id="other-user")

    listed = sdk.call("users")
    deleted = sdk.call("delete_users", user_id=U)
    after = sdk.call("users")

    contract.assert_entities(listed)
    assert contract.entity_names(listed)[U]["total_memories"] == 2
    assert deleted == {"message": "Entity deleted successfully."}
    assert set(contract.entity_names(after)) == {"other-user"}
    assert sdk.call("get", kept)["memory"] == "Kept"


def test_delete_users_without_arguments_and_reset(sdk):
    remember(sdk, "One")
    remember(sdk, "Two", user_id="other-user")

    everything = sdk.call("delete_users")
    empty = sdk.call("users")
    remember(sdk, "Three")
    reset = sdk.call("reset")

    assert everything == {"message": "All users, agents, apps and runs deleted."}
    assert empty["results"] == []
    assert reset == {"message": "Client reset successful. All users and memories deleted."}
    assert sdk.call("users")["results"] == []


# --- batch / feedback -----------------------------------------------------------------------


def test_batch_update_and_batch_delete(sdk):
    first = remember(sdk, "First")
    second = remember(sdk, "Second")

    updated = sdk.call(
        "batch_update",
        [{"memory_id": first, "text": "First!"}, {"memory_id": second, "text": "Second!"}],
    )
    texts = [sdk.call("get", m)["memory"] for m in (first, second)]
    deleted = sdk.call("batch_delete", [{"memory_id": first}, {"memory_id": second}])

    assert updated == {"message": "Successfully updated 2 memories"}
    assert texts == ["First!", "Second!"]
    assert deleted == {"message": "Successfully deleted 2 memories"}
    raises(sdk, "MemoryNotFoundError", "get", first)


def test_feedback_reaches_the_server_although_the_sdk_then_crashes(sdk):
    """1.0.11's feedback() calls its telemetry hook with one argument too many: TypeError
    after the server answered. The server side must still have recorded the feedback."""
    from memories.models import Feedback

    memory_id = remember(sdk, "Likes jazz")

    error = raises(sdk, "TypeError", "feedback", memory_id, "very_negative", "made up")

    assert "capture_client_event" in error.error["traceback"]
    stored = Feedback.objects.get(memory_id=memory_id)
    assert (stored.feedback, stored.feedback_reason) == ("VERY_NEGATIVE", "made up")


# --- tenancy --------------------------------------------------------------------------------


def test_another_tenant_never_sees_alices_memories(sdk, sdk_py1, sdk_session, sdk_charlie):
    memory_id = remember(sdk, "Alice's secret")
    charlie = sdk_session(sdk_py1, sdk_charlie)

    assert charlie.call("search", "secret", user_id=U)["results"] == []
    assert charlie.call("get_all", user_id=U)["results"] == []
    assert U not in contract.entity_names(charlie.call("users"))
    raises(charlie, "MemoryNotFoundError", "get", memory_id)
    raises(charlie, "MemoryNotFoundError", "delete", memory_id)
    assert sdk.call("get", memory_id)["memory"] == "Alice's secret"
