"""The official MCP Python SDK's streamable-HTTP client against a live Engram."""

import anyio
import httpx2
import pytest
from mcp import ClientSession
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from accounts.services import api_key_create
from tests.conftest import wait_until
from tests.mcpserver.test_access import WRITE_TOOLS
from tests.mcpserver.test_tools import NAMES


def run(url: str, key: str, work, **headers):
    """`await work(session)` in a ClientSession that did the initialize handshake."""

    async def main():
        auth = {"Authorization": f"Bearer {key}", **headers}
        async with (
            httpx2.AsyncClient(headers=auth, timeout=60) as http,
            streamable_http_client(url, http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await work(session)

    return anyio.run(main)


def structured(result):
    assert not result.is_error, result.content
    return result.structured_content


def test_it_lists_the_tools_with_their_input_schemas(mcp_url, live_alice):
    async def work(session):
        return (await session.list_tools()).tools

    tools = {tool.name: tool for tool in run(mcp_url, live_alice.key, work)}

    assert set(tools) == NAMES
    assert tools["search_memories"].input_schema["required"] == ["query"]
    assert tools["add_memory"].input_schema["properties"]["messages"]["type"] == "array"
    assert tools["delete_memory"].annotations.destructive_hint is True


def test_it_adds_searches_updates_and_deletes(mcp_url, live_alice):
    async def work(session):
        added = structured(
            await session.call_tool(
                "add_memory", {"text": "Prefers window seats", "infer": False, "user_id": "al"}
            )
        )
        memory_id = added["results"][0]["id"]
        found = structured(await session.call_tool("search_memories", {"query": "seats"}))
        mine = structured(
            await session.call_tool("search_memories", {"query": "seats", "user_id": "al"})
        )
        updated = structured(
            await session.call_tool(
                "update_memory", {"memory_id": memory_id, "text": "Prefers aisle seats"}
            )
        )
        deleted = structured(await session.call_tool("delete_memory", {"memory_id": memory_id}))
        gone = await session.call_tool("get_memory", {"memory_id": memory_id})
        return memory_id, found, mine, updated, deleted, gone

    memory_id, found, mine, updated, deleted, gone = run(mcp_url, live_alice.key, work)

    assert found["results"] == []  # the default user's: nothing
    assert [hit["id"] for hit in mine["results"]] == [memory_id]
    assert updated["memory"]["memory"] == "Prefers aisle seats"
    assert deleted["memory_id"] == memory_id
    assert gone.is_error and "Memory not found" in gone.content[0].text


@pytest.mark.slow
def test_an_add_is_extracted_and_its_event_polled_to_succeeded(
    mcp_url, live_alice, celery_worker_process
):
    async def add(session):
        text = "I am a vegetarian and I love jazz"
        return structured(await session.call_tool("add_memory", {"text": text}))

    queued = run(mcp_url, live_alice.key, add)
    assert queued["status"] == "PENDING"

    async def status(session):
        return structured(
            await session.call_tool("get_event_status", {"event_id": queued["event_id"]})
        )

    def finished():
        event = run(mcp_url, live_alice.key, status)
        return event if event["status"] not in {"PENDING", "RUNNING"} else None

    event = wait_until(finished, seconds=60, interval=1, what="the MCP add to be extracted")
    assert event["status"] == "SUCCEEDED"
    assert {r["memory"] for r in event["results"]} == {"Is vegetarian", "Loves jazz"}


def test_a_read_only_key_is_refused_writes(mcp_url, live_alice):
    _, key = api_key_create(project=live_alice.project, created_by=live_alice.user, scopes=["read"])

    async def work(session):
        listed = {tool.name for tool in (await session.list_tools()).tools}
        return listed, await session.call_tool("add_memory", {"text": "Likes tea"})

    listed, refused = run(mcp_url, key, work)

    assert listed == NAMES - WRITE_TOOLS
    assert refused.is_error
    assert "read-only" in refused.content[0].text


def test_a_second_tenant_sees_nothing_of_the_first(mcp_url, live_alice, live_charlie):
    async def add(session):
        return structured(
            await session.call_tool(
                "add_memory", {"text": "The vault code is 1234", "infer": False}
            )
        )

    added = run(mcp_url, live_alice.key, add)

    async def snoop(session):
        memory_id = added["results"][0]["id"]
        return (
            structured(await session.call_tool("search_memories", {"query": "vault code"})),
            structured(await session.call_tool("list_entities", {})),
            await session.call_tool("get_memory", {"memory_id": memory_id}),
        )

    search, entities, get = run(mcp_url, live_charlie.key, snoop)
    assert search["results"] == [] and entities["results"] == []
    assert get.is_error


def test_bad_arguments_give_tool_errors(mcp_url, live_alice):
    async def work(session):
        return [
            await session.call_tool("search_memories", {"query": "x", "top_k": "ten"}),
            await session.call_tool("get_memory", {"memory_id": "not-a-uuid"}),
            await session.call_tool("add_memory", {}),
        ]

    results = run(mcp_url, live_alice.key, work)

    assert all(r.is_error for r in results)
    assert [r.content[0].text.split(":")[0] for r in results] == [
        "top_k",
        "memory_id should be a valid UUID",
        "Nothing to remember",
    ]


def test_an_unknown_tool_raises_the_protocol_error(mcp_url, live_alice):
    from mcp.shared.exceptions import MCPError

    async def work(session):
        with pytest.raises(MCPError) as raised:
            await session.call_tool("forget_everything", {})
        return raised.value

    error = run(mcp_url, live_alice.key, work)

    assert "Unknown tool: forget_everything" in str(error)


def test_a_wrong_key_fails_the_handshake_with_the_reason(mcp_url, live_alice):
    from mcp.shared.exceptions import MCPError

    async def work(session):
        return None

    with pytest.raises(BaseExceptionGroup) as raised:
        run(mcp_url, "eg_wrong_key", work)

    [error] = leaves(raised.value)
    assert isinstance(error, MCPError)
    assert str(error).startswith("Invalid API key")


def leaves(group: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups, as anyio's task groups raise them."""
    if not isinstance(group, BaseExceptionGroup):
        return [group]
    return [leaf for inner in group.exceptions for leaf in leaves(inner)]


def test_the_auto_mode_client_falls_back_to_the_handshake(mcp_url, live_alice):
    async def main():
        auth = {"Authorization": f"Token {live_alice.key}"}
        async with (
            httpx2.AsyncClient(headers=auth, timeout=60) as http,
            Client(streamable_http_client(f"{mcp_url}?user_id=zoe", http_client=http)) as client,
        ):
            await client.call_tool("add_memory", {"text": "Knits", "infer": False})
            return await client.call_tool("get_memories", {})

    listed = anyio.run(main)

    assert [m["user_id"] for m in listed.structured_content["results"]] == ["zoe"]
