"""The MCP tools through /mcp in-process: what each does, scoped to the key's project, and the
tool errors that tell a model what to fix."""

import pytest

from accounts.models import RequestLog
from accounts.request_log import request_log_flush
from memories.models import Event, Memory

NAMES = {
    "add_memory",
    "search_memories",
    "get_memories",
    "get_memory",
    "update_memory",
    "delete_memory",
    "delete_all_memories",
    "delete_entities",
    "list_entities",
    "list_events",
    "get_event_status",
}


def remember(rpc, *texts, **scope) -> list[str]:
    ids = []
    for text in texts:
        answer = rpc.ok("add_memory", text=text, infer=False, **scope)
        ids += [r["id"] for r in answer["results"]]
    return ids


def test_it_lists_every_tool_with_its_schema_and_hints(rpc):
    tools = {t["name"]: t for t in rpc.request("tools/list")["result"]["tools"]}

    assert set(tools) == NAMES
    search = tools["search_memories"]
    assert search["inputSchema"]["required"] == ["query"]
    assert search["inputSchema"]["properties"]["top_k"]["type"] == "integer"
    assert search["annotations"]["readOnlyHint"] is True
    assert tools["delete_all_memories"]["annotations"]["destructiveHint"] is True
    assert tools["add_memory"]["annotations"]["destructiveHint"] is False


def test_it_adds_verbatim_and_finds_it(rpc):
    [memory_id] = remember(rpc, "Prefers dark roast coffee", user_id="alice")

    hits = rpc.ok("search_memories", query="coffee", user_id="alice")["results"]

    assert hits[0]["id"] == memory_id
    assert hits[0]["memory"] == "Prefers dark roast coffee"
    assert 0 < hits[0]["score"] <= 1
    assert "hash" not in hits[0]  # the agent's view of a memory


def test_it_queues_an_inferred_add(rpc):
    answer = rpc.ok("add_memory", text="I moved to Austin last year", user_id="alice")

    event = Event.objects.get(pk=answer["event_id"])
    assert answer["status"] == "PENDING"
    assert "get_event_status" in answer["message"]
    assert event.payload["user_id"] == "alice"


def test_it_reports_an_event(rpc):
    answer = rpc.ok("add_memory", text="Likes tea", infer=False, user_id="alice")

    status = rpc.ok("get_event_status", event_id=answer["event_id"])

    assert status["status"] == "SUCCEEDED"
    assert status["results"][0]["memory"] == "Likes tea"
    assert rpc.ok("list_events")["results"][0]["id"] == answer["event_id"]


def test_it_uses_the_default_user_when_none_is_named(rpc):
    remember(rpc, "Uses vim")

    assert Memory.objects.get().user_id == "default"
    assert rpc.ok("get_memories")["count"] == 1


def test_the_connection_names_its_default_user_in_the_url(alice):
    from tests.mcpserver.conftest import Rpc

    rpc = Rpc(alice, url="/mcp?user_id=carol")
    remember(rpc, "Uses emacs")

    assert Memory.objects.get().user_id == "carol"
    assert rpc.ok("search_memories", query="emacs")["results"][0]["user_id"] == "carol"


def test_the_connection_names_its_default_user_in_a_header(rpc):
    answer = rpc.request(
        "tools/call",
        {"name": "add_memory", "arguments": {"text": "Uses nano", "infer": False}},
        **{"X-Engram-User-Id": "dave"},
    )

    assert not answer["result"]["isError"]
    assert Memory.objects.get().user_id == "dave"


def test_filters_without_an_entity_are_anded_with_the_default_user(rpc):
    remember(rpc, "Owns a cat", metadata={"kind": "pet"})
    remember(rpc, "Owns a dog", user_id="erin", metadata={"kind": "pet"})

    listed = rpc.ok("get_memories", filters={"metadata": {"kind": "pet"}})

    assert [m["memory"] for m in listed["results"]] == ["Owns a cat"]


def test_it_lists_in_pages(rpc):
    remember(rpc, "one", "two", "three", user_id="alice")

    page = rpc.ok("get_memories", user_id="alice", page=1, page_size=2)

    assert (page["count"], page["has_more"], len(page["results"])) == (3, True, 2)
    assert rpc.ok("get_memories", user_id="alice", page=2, page_size=2)["has_more"] is False


def test_it_updates_and_deletes_a_memory(rpc):
    [memory_id] = remember(rpc, "Lives in Paris", user_id="alice")

    updated = rpc.ok("update_memory", memory_id=memory_id, text="Lives in Lyon")
    assert updated["memory"]["memory"] == "Lives in Lyon"
    assert rpc.ok("get_memory", memory_id=memory_id)["memory"] == "Lives in Lyon"

    assert rpc.ok("delete_memory", memory_id=memory_id)["memory_id"] == memory_id
    assert not Memory.objects.exists()


def test_it_deletes_all_memories_of_a_scope(rpc):
    remember(rpc, "a", "b", user_id="alice")
    remember(rpc, "c", user_id="frank")

    answer = rpc.ok("delete_all_memories", user_id="alice")

    assert answer["deleted"] == 2
    assert list(Memory.objects.values_list("user_id", flat=True)) == ["frank"]


def test_it_lists_and_deletes_entities(rpc):
    remember(rpc, "a", user_id="alice")
    remember(rpc, "b", agent_id="planner")

    listed = rpc.ok("list_entities")
    assert {(e["type"], e["name"], e["total_memories"]) for e in listed["results"]} == {
        ("user", "alice", 1),
        ("agent", "planner", 1),
    }
    deleted = rpc.ok("delete_entities", agent_id="planner")["deleted"]
    assert deleted == [{"type": "agent", "name": "planner", "deleted_memories": 1}]
    assert rpc.ok("list_entities", entity_type="agent")["count"] == 0


def test_a_retried_add_stores_once(rpc):
    body = {
        "jsonrpc": "2.0",
        "id": 41,
        "method": "tools/call",
        "params": {"name": "add_memory", "arguments": {"text": "Likes jazz", "user_id": "a"}},
    }

    first = rpc.post(body).json()["result"]["structuredContent"]
    again = rpc.post(body).json()["result"]["structuredContent"]

    assert again["event_id"] == first["event_id"]
    assert Event.objects.count() == 1


def test_an_idempotency_key_argument_stores_once(rpc):
    first = rpc.ok("add_memory", text="Likes jazz", infer=False, idempotency_key="k")
    again = rpc.ok("add_memory", text="Likes jazz", infer=False, idempotency_key="k")

    assert again == first
    assert Memory.objects.count() == 1


@pytest.mark.parametrize(
    "tool, arguments, message",
    [
        ("search_memories", {}, "'query' is a required property"),
        ("search_memories", {"query": "x", "top_k": "ten"}, "top_k: 'ten' is not of type"),
        ("search_memories", {"query": "x", "top_k": 5000}, "top_k: 5000 is greater than"),
        ("search_memories", {"query": "x", "colour": "red"}, "Additional properties"),
        ("search_memories", {"query": "x", "filters": {"bogus": 1}}, "Top-level key"),
        ("add_memory", {}, "Nothing to remember"),
        ("add_memory", {"messages": [{"role": "robot", "content": "x"}]}, "messages.0.role"),
        ("get_memory", {"memory_id": "nope"}, "memory_id should be a valid UUID"),
        ("get_memory", {"memory_id": "0f2c1b6e-9a3d-4b18-8f77-1c2d3e4f5a6b"}, "not found"),
        ("update_memory", {"memory_id": "0f2c1b6e-9a3d-4b18-8f77-1c2d3e4f5a6b"}, "not found"),
        ("delete_entities", {}, "Name the entity to delete"),
        ("delete_entities", {"user_id": "ghost"}, "no user named 'ghost'"),
        ("get_event_status", {"event_id": "0f2c1b6e-9a3d-4b18-8f77-1c2d3e4f5a6b"}, "Event not"),
    ],
)
def test_bad_arguments_are_tool_errors_that_say_what_to_fix(rpc, tool, arguments, message):
    assert message in rpc.fails(tool, **arguments)


def test_an_unknown_tool_is_a_protocol_error(rpc):
    answer = rpc.request("tools/call", {"name": "forget_everything", "arguments": {}})

    assert answer["error"]["code"] == -32602
    assert "Unknown tool: forget_everything" in answer["error"]["message"]


def test_arguments_that_are_not_an_object_are_invalid_params(rpc):
    answer = rpc.request("tools/call", {"name": "get_memory", "arguments": ["x"]})

    assert answer["error"]["code"] == -32602


def test_it_logs_each_call_with_its_tool_and_the_rest_status(rpc, alice):
    rpc.ok("list_entities")
    rpc.fails("get_memory", memory_id="0f2c1b6e-9a3d-4b18-8f77-1c2d3e4f5a6b")
    request_log_flush()

    rows = list(RequestLog.objects.order_by("id").values_list("path", "status", "api_key"))
    assert rows == [
        ("/mcp/tools/call/list_entities", 200, alice.api_key.pk),
        ("/mcp/tools/call/get_memory", 404, alice.api_key.pk),
    ]
