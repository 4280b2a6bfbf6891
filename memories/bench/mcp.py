"""`manage.py bench mcp`: search_memories through the official MCP Python client beside the same
search through the Python SDK (mem0ai), alternating call by call on one gunicorn over loopback,
the same queries and users for both, so that both see the same machine load.

Both clients keep their connection open, as an agent and an application do. Also measured: the
least a bridge to the SDK's ASGI server (option (b) of the design) would add to every request
of a thread worker, an event loop started and stopped (`anyio.run`) around it, and the one-off
import of the SDK's server against that of its types alone.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time

from memories.bench.loading import query_pool, warm_cache
from memories.bench.search import bench_project, live_server, percentiles


def run(*, memories: int, users: int, queries: int, pool_size: int, reload: bool, progress):
    import anyio

    project, key, loaded = bench_project(
        memories, users, progress, pool_size=pool_size, reload=reload
    )
    warmed = warm_cache(progress)
    pool = query_pool(queries * 2 + 10)
    results = {"memories": project.memories.count(), "users": users, "load": loaded}
    results["cache_warmed"] = warmed
    with live_server(progress) as url:
        progress(f"searching in turn through the SDK and MCP, {queries} queries each...")
        sdk, mcp = anyio.run(_alternate, url, key, pool[10:], users, queries)
    results["sdk"], results["mcp"] = percentiles(sdk), percentiles(mcp)
    results["ratio_p50_mcp_to_sdk"] = results["mcp"]["p50"] / results["sdk"]["p50"]
    results["ratio_p95_mcp_to_sdk"] = results["mcp"]["p95"] / results["sdk"]["p95"]
    progress("a trivial tool call through this endpoint's protocol layer and the SDK's server...")
    results["trivial_call_ms"] = {
        "engram_protocol": _protocol_cost(project),
        "sdk_asgi_server": _sdk_server_cost(),
    }
    results["event_loop_per_request_ms"] = _event_loop_cost()
    results["import_seconds"] = {name: _import_seconds(name) for name in ("mcp_types", "mcp")}
    return results


async def _alternate(url: str, key: str, queries: list[str], users: int, count: int):
    """(SDK samples, MCP samples) in ms; which goes first alternates too."""
    import httpx2
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    sdk_client = _sdk_client(url, key)
    rng = random.Random(7)
    sdk, mcp = [], []
    headers = {"Authorization": f"Token {key}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        streamable_http_client(f"{url}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        for query in queries[:10]:  # warm both paths (connections, caches, the SDK's types)
            _sdk_search(sdk_client, query, "user-0")
            await _mcp_search(session, query, "user-0")
        for index, query in enumerate(queries[:count]):
            user = f"user-{rng.randrange(users)}"
            if index % 2:
                sdk.append(_sdk_search(sdk_client, query, user))
                mcp.append(await _mcp_search(session, query, user))
            else:
                mcp.append(await _mcp_search(session, query, user))
                sdk.append(_sdk_search(sdk_client, query, user))
    return sdk, mcp


def _sdk_client(url: str, key: str):
    os.environ["MEM0_TELEMETRY"] = "false"
    from mem0 import MemoryClient

    return MemoryClient(api_key=key, host=url)


def _sdk_search(client, query: str, user: str) -> float:
    started = time.perf_counter()
    client.search(query, filters={"user_id": user}, top_k=10)
    return (time.perf_counter() - started) * 1000


async def _mcp_search(session, query: str, user: str) -> float:
    started = time.perf_counter()
    result = await session.call_tool(
        "search_memories", {"query": query, "user_id": user, "top_k": 10}
    )
    elapsed = (time.perf_counter() - started) * 1000
    if result.is_error:
        raise RuntimeError(f"search_memories failed: {result.content[0].text}")
    return elapsed


def _trivial(call) -> dict:
    return {"x": call.arguments["x"]}


def _protocol_cost(project, repeats: int = 500) -> dict:
    """`mcpserver.protocol` answering a tools/call of a tool that does nothing, in process
    (the request already authenticated): what the endpoint adds to a tool's own work."""
    from rest_framework.parsers import JSONParser
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from mcpserver import protocol, tools

    api_key = project.api_keys.first()
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}
    body["params"] = {"name": "echo", "arguments": {"x": "hi"}}
    factory = APIRequestFactory()
    spec = tools.ToolSpec(name="echo", title="", description="", properties={}, run=_trivial)
    tools.BY_NAME["echo"] = spec
    samples = []
    try:
        for _ in range(repeats):
            request = Request(factory.post("/mcp/", body, format="json"), parsers=[JSONParser()])
            request._authenticator, request._user, request._auth = None, None, api_key
            started = time.perf_counter()
            protocol.answer(request, request.data, default_user_id="default")
            samples.append((time.perf_counter() - started) * 1000)
    finally:
        del tools.BY_NAME["echo"]
    return percentiles(samples)


def _sdk_server_cost(repeats: int = 500) -> dict:
    """The SDK's own server (option (b)): `MCPServer` with stateless_http and json_response,
    its ASGI app on one event loop in a thread, as a WSGI worker would host it, each call handed
    over from this thread and awaited, like a request thread would."""
    import asyncio
    import threading

    import httpx2
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("bench")
    server.tool()(_echo)
    app = server.streamable_http_app(stateless_http=True, json_response=True)
    loop, ready, state = asyncio.new_event_loop(), threading.Event(), {}

    async def host():
        async with server.session_manager.run():
            transport = httpx2.ASGITransport(app=app)
            state["client"] = httpx2.AsyncClient(
                transport=transport, base_url="http://localhost:8000"
            )
            ready.set()
            await asyncio.Event().wait()

    threading.Thread(target=loop.run_until_complete, args=(host(),), daemon=True).start()
    ready.wait(30)
    headers = {"accept": "application/json, text/event-stream", "mcp-protocol-version": _V}
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}
    body["params"] = {"name": "_echo", "arguments": {"x": "hi"}}

    def one():
        call = state["client"].post("/mcp", headers=headers, json=body)
        return asyncio.run_coroutine_threadsafe(call, loop).result(30)

    if one().status_code != 200:
        raise RuntimeError("the SDK's server did not answer the tool call")
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        one()
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


_V = "2025-11-25"


def _echo(x: str) -> str:
    return x


def _event_loop_cost(repeats: int = 300) -> dict:
    import anyio

    async def nothing():
        return None

    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        anyio.run(nothing)
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def _import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return round(float(done.stdout), 3)
