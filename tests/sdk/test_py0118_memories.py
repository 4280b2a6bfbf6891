"""The real `mem0ai` 0.1.118 `MemoryClient` (var/sdk/py-0.1.118, in a subprocess) against Engram.

0.1.x talks to the legacy routes (section 6): add is `POST /v1/memories/` with `version=v2,
output_format=v1.1` (no async_mode: the server's default, asynchronous, applies); search is
`/v1/memories/search/` (bare list) unless `version="v2"`; get_all is `GET /v1/memories/` (bare
list unless both page params) unless `version="v2"`; `org_id`/`project_id` ride along everywhere.
"""

import pytest

from tests.sdk import contract
from tests.sdk.harness import SdkCallError

pytestmark = pytest.mark.django_db(transaction=True)

U = "py0118-user"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def sdk(sdk_py0118, sdk_session, sdk_alice):
    return sdk_session(sdk_py0118, sdk_alice)


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
        [{"role": "user", "content": "I play chess"}],
        user_id=U,
        infer=False,
        metadata={"src": "py0"},
    )

    assert set(answer) == {"results", "relations"}
    assert answer["relations"] == []
    contract.assert_sync_add_item(answer["results"][0])
    assert answer["results"][0]["memory"] == "I play chess"
    assert sdk.call("get", answer["results"][0]["id"])["metadata"] == {"src": "py0"}


def test_add_by_default_is_queued_in_the_v1_1_shape(sdk):
    answer = sdk.call("add", [{"role": "user", "content": "I moved to Austin"}], user_id=U)

    assert answer["relations"] == []
    assert len(answer["results"]) == 1
    contract.assert_queued_item(answer["results"][0])


# --- search (6.4) ---------------------------------------------------------------------------


def test_search_v1_answers_a_bare_list_or_v1_1_object(sdk):
    sushi = remember(sdk, "My favourite food is sushi")
    remember(sdk, "I go hiking in the Alps every summer")
    remember(sdk, "Sushi is not my thing", user_id="someone-else")

    bare = sdk.call("search", "favourite food sushi", user_id=U)
    wrapped = sdk.call("search", "favourite food sushi", user_id=U, output_format="v1.1")

    assert isinstance(bare, list), f"v1.0 search must be a bare list, got {bare!r}"
    contract.assert_search_results(bare)
    assert bare[0]["id"] == sushi
    assert {r["user_id"] for r in bare} == {U}
    assert set(wrapped) == {"results", "relations"}
    assert wrapped["results"][0]["id"] == sushi


def test_search_v2_with_filters_answers_a_bare_list(sdk):
    sushi = remember(sdk, "My favourite food is sushi")
    remember(sdk, "I go hiking in the Alps every summer")

    answer = sdk.call("search", "favourite food sushi", version="v2", filters={"user_id": U})

    assert isinstance(answer, list), f"v2 search must be a bare list, got {answer!r}"
    contract.assert_search_results(answer)
    assert answer[0]["id"] == sushi


# --- get_all (6.2, 6.3) ---------------------------------------------------------------------


def test_get_all_v1_bare_list_and_paged_envelope(sdk):
    ids = {remember(sdk, f"Fact {n}", metadata={"n": n}) for n in range(3)}
    remember(sdk, "Not mine", user_id="someone-else")

    bare = sdk.call("get_all", user_id=U)
    first = sdk.call("get_all", user_id=U, page=1, page_size=2)
    second = sdk.call("get_all", user_id=U, page=2, page_size=2)
    by_metadata = sdk.call("get_all", user_id=U, metadata={"n": 1})  # sent as a Python repr

    assert isinstance(bare, list), f"v1 get_all without paging is a bare list, got {bare!r}"
    assert {m["id"] for m in bare} == ids
    for memory in bare:
        contract.assert_memory(memory)
    contract.assert_page(first, count=3)
    contract.assert_page(second, count=3)
    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert [m["memory"] for m in by_metadata] == ["Fact 1"]


def test_get_all_v2_bare_list_and_paged_envelope(sdk):
    ids = {remember(sdk, f"Fact {n}") for n in range(3)}

    bare = sdk.call("get_all", version="v2", filters={"user_id": U})
    first = sdk.call("get_all", version="v2", filters={"user_id": U}, page=1, page_size=2)

    assert isinstance(bare, list), f"v2 get_all without paging is a bare list, got {bare!r}"
    assert {m["id"] for m in bare} == ids
    contract.assert_page(first, count=3)
    assert len(first["results"]) == 2


# --- get / update / history / delete --------------------------------------------------------


def test_get_update_and_history(sdk):
    memory_id = remember(sdk, "Drinks coffee")

    memory = sdk.call("get", memory_id)
    by_text = sdk.call("update", memory_id, text="Drinks tea")
    by_metadata = sdk.call("update", memory_id, metadata={"b": 2})
    history = sdk.call("history", memory_id)

    contract.assert_memory(memory)
    assert memory["memory"] == "Drinks coffee" and memory["user_id"] == U
    assert by_text["id"] == memory_id and by_text["memory"] == "Drinks tea"
    assert by_metadata["metadata"] == {"b": 2}
    assert isinstance(history, list)
    for entry in history:
        contract.assert_history_entry(entry)
    assert [h["event"] for h in history][:2] == ["ADD", "UPDATE"]
    assert history[1]["new_memory"] == "Drinks tea"


def test_get_of_unknown_ids(sdk):
    raises(sdk, "MemoryNotFoundError", "get", UNKNOWN)
    raises(sdk, "ValidationError", "get", "not-a-uuid")


def test_delete_and_delete_all(sdk):
    memory_id = remember(sdk, "Temporary")
    remember(sdk, "Mine")
    other = remember(sdk, "Theirs", user_id="other-user")

    deleted = sdk.call("delete", memory_id)
    all_deleted = sdk.call("delete_all", user_id=U)

    assert deleted["message"] == "Memory deleted successfully!"
    raises(sdk, "MemoryNotFoundError", "get", memory_id)
    assert isinstance(all_deleted["message"], str)
    assert sdk.call("get_all", user_id=U) == []
    assert sdk.call("get", other)["memory"] == "Theirs"


def test_delete_all_without_an_entity_is_refused(sdk):
    """The SDK still sends org_id/project_id: they are not a filter (5.8: 400)."""
    kept = remember(sdk, "Must survive")

    raises(sdk, "ValidationError", "delete_all")

    assert sdk.call("get", kept)["memory"] == "Must survive"


# --- users / delete_users / reset -----------------------------------------------------------


def test_users_delete_users_and_reset(sdk):
    remember(sdk, "One")
    remember(sdk, "Two", user_id="other-user")
    remember(sdk, "Three", user_id="third-user")

    listed = sdk.call("users")
    one = sdk.call("delete_users", user_id=U)
    after_one = sdk.call("users")
    everything = sdk.call("delete_users")
    remember(sdk, "Four")
    reset = sdk.call("reset")

    contract.assert_entities(listed)
    assert set(contract.entity_names(listed)) == {U, "other-user", "third-user"}
    assert one == {"message": "Entity deleted successfully."}
    assert set(contract.entity_names(after_one)) == {"other-user", "third-user"}
    assert everything == {"message": "All users, agents, apps and runs deleted."}
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
    raises(sdk, "MemoryNotFoundError", "get", second)


def test_feedback_reaches_the_server_although_the_sdk_then_crashes(sdk):
    """0.1.118's feedback() calls its telemetry hook with one argument too many: TypeError
    after the server answered. The server side must still have recorded the feedback."""
    from memories.models import Feedback

    memory_id = remember(sdk, "Likes jazz")

    error = raises(sdk, "TypeError", "feedback", memory_id, "positive", "spot on")

    assert "capture_client_event" in error.error["traceback"]
    stored = Feedback.objects.get(memory_id=memory_id)
    assert (stored.feedback, stored.feedback_reason) == ("POSITIVE", "spot on")


# --- tenancy --------------------------------------------------------------------------------


def test_another_tenant_never_sees_alices_memories(sdk, sdk_py0118, sdk_session, sdk_charlie):
    memory_id = remember(sdk, "Alice's secret")
    charlie = sdk_session(sdk_py0118, sdk_charlie)

    assert charlie.call("search", "secret", user_id=U) == []
    assert charlie.call("get_all", user_id=U) == []
    assert U not in contract.entity_names(charlie.call("users"))
    raises(charlie, "MemoryNotFoundError", "get", memory_id)
    raises(charlie, "MemoryNotFoundError", "update", memory_id, text="hijacked")
    assert sdk.call("get", memory_id)["memory"] == "Alice's secret"
