"""The official MCP TypeScript SDK's client (npm `@modelcontextprotocol/sdk`, installed under
var/sdk/ by tests/sdk/harness.py) against a live Engram, driven by ts_driver.mjs."""

import json
import subprocess
from pathlib import Path

import pytest

from accounts.services import api_key_create
from tests.mcpserver.test_access import WRITE_TOOLS
from tests.mcpserver.test_tools import NAMES
from tests.sdk import harness

DRIVER = Path(__file__).with_name("ts_driver.mjs")


@pytest.fixture(scope="session")
def ts_sdk() -> Path:
    try:
        return harness.ensure_installed(harness.MCP_JS)
    except harness.SdkInstallError as exc:
        pytest.fail(f"installing the MCP TypeScript SDK failed:\n{exc}", pytrace=False)


@pytest.fixture
def ts(ts_sdk, mcp_url):
    """`ts(key, *steps)`: the driver's answers, one per step."""

    def run(key: str, *steps, url: str = mcp_url):
        done = subprocess.run(
            ["node", str(DRIVER), str(ts_sdk)],
            input=json.dumps({"url": url, "key": key, "steps": steps}),
            capture_output=True,
            text=True,
            env=harness.sdk_env(),
            timeout=harness.CALL_TIMEOUT,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return run


def ok(answer: dict) -> dict:
    assert not answer.get("isError") and "thrown" not in answer, answer
    return answer["structuredContent"]


def test_it_lists_the_tools_with_their_input_schemas(ts, live_alice):
    [listed] = ts(live_alice.key, ["listTools"])

    tools = {tool["name"]: tool for tool in listed["tools"]}
    assert set(tools) == NAMES
    assert tools["get_memory"]["inputSchema"]["required"] == ["memory_id"]
    assert tools["delete_entities"]["annotations"]["destructiveHint"] is True


def test_it_adds_searches_updates_and_deletes(ts, live_alice):
    [added] = ts(
        live_alice.key, ["callTool", "add_memory", {"text": "Runs at dawn", "infer": False}]
    )
    memory_id = ok(added)["results"][0]["id"]

    found, updated, deleted, gone = ts(
        live_alice.key,
        ["callTool", "search_memories", {"query": "running"}],
        ["callTool", "update_memory", {"memory_id": memory_id, "text": "Runs at dusk"}],
        ["callTool", "delete_memory", {"memory_id": memory_id}],
        ["callTool", "get_memory", {"memory_id": memory_id}],
    )

    assert [hit["id"] for hit in ok(found)["results"]] == [memory_id]
    assert ok(updated)["memory"]["memory"] == "Runs at dusk"
    assert ok(deleted)["memory_id"] == memory_id
    assert gone["isError"] and "Memory not found" in gone["content"][0]["text"]


def test_an_event_is_reported(ts, live_alice):
    [added] = ts(live_alice.key, ["callTool", "add_memory", {"text": "Reads sci-fi"}])
    event_id = ok(added)["event_id"]

    [status] = ts(live_alice.key, ["callTool", "get_event_status", {"event_id": event_id}])

    assert ok(status)["id"] == event_id
    assert ok(status)["status"] == "PENDING"  # no worker here: test_python_client polls one


def test_a_read_only_key_is_refused_writes(ts, live_alice):
    _, key = api_key_create(project=live_alice.project, created_by=live_alice.user, scopes=["read"])

    listed, refused = ts(key, ["listTools"], ["callTool", "delete_all_memories", {}])

    assert {tool["name"] for tool in listed["tools"]} == NAMES - WRITE_TOOLS
    assert refused["isError"] and "read-only" in refused["content"][0]["text"]


def test_a_second_tenant_sees_nothing_of_the_first(ts, live_alice, live_charlie):
    [added] = ts(
        live_alice.key, ["callTool", "add_memory", {"text": "Alarm code 42", "infer": False}]
    )
    memory_id = ok(added)["results"][0]["id"]

    search, entities, get = ts(
        live_charlie.key,
        ["callTool", "search_memories", {"query": "alarm code"}],
        ["callTool", "list_entities", {}],
        ["callTool", "get_memory", {"memory_id": memory_id}],
    )

    assert ok(search)["results"] == [] and ok(entities)["results"] == []
    assert get["isError"]


def test_bad_arguments_give_tool_errors_and_an_unknown_tool_a_protocol_error(ts, live_alice):
    wrong_type, unknown = ts(
        live_alice.key,
        ["callTool", "get_memories", {"page_size": "many"}],
        ["callTool", "forget_everything", {}],
    )

    assert wrong_type["isError"]
    assert wrong_type["content"][0]["text"].startswith("page_size: 'many' is not of type")
    assert unknown["code"] == -32602 and "Unknown tool" in unknown["thrown"]


def test_it_reads_the_default_user_resource(ts, live_alice, mcp_url):
    sam = f"{mcp_url}?user_id=sam"
    ts(live_alice.key, ["callTool", "add_memory", {"text": "Bakes bread", "infer": False}], url=sam)

    listed, read = ts(
        live_alice.key, ["listResources"], ["readResource", "engram://users/sam/memories"], url=sam
    )

    assert [r["uri"] for r in listed["resources"]] == ["engram://users/sam/memories"]
    assert "Bakes bread" in read["contents"][0]["text"]


def test_a_wrong_key_fails_the_connection_with_the_reason(ts):
    answer = ts("eg_wrong_key", ["listTools"])

    assert "Invalid API key" in answer["connect"]
