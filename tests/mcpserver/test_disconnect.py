"""A client that hangs up mid-call and retries: the server finishes the call, the retry gets
the first call's answer, and nothing is stored twice."""

import json
import socket
from urllib.parse import urlsplit

import httpx

from memories.models import Event, Memory
from tests.conftest import wait_until
from tests.mcpserver.conftest import HEADERS

CALL = {
    "jsonrpc": "2.0",
    "id": 9,
    "method": "tools/call",
    "params": {"name": "add_memory", "arguments": {"text": "Sleeps at 11", "infer": False}},
}


def hang_up_after_sending(url: str, key: str, body: dict) -> None:
    parts = urlsplit(url)
    payload = json.dumps(body).encode()
    head = (
        f"POST /mcp HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: Token {key}\r\n"
        f"Content-Type: application/json\r\nAccept: {HEADERS['Accept']}\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port)) as connection:
        connection.sendall(head.encode() + payload)  # and close before reading the answer


def test_a_retry_after_a_dropped_connection_gets_the_first_add(live_server, live_alice):
    hang_up_after_sending(live_server.url, live_alice.key, CALL)
    wait_until(Event.objects.exists, seconds=20, what="the dropped call to finish")

    retry = httpx.post(
        f"{live_server.url}/mcp",
        json=CALL,
        headers={**HEADERS, "Authorization": f"Token {live_alice.key}"},
    )

    answer = retry.json()["result"]["structuredContent"]
    assert answer["event_id"] == str(Event.objects.get().pk)
    assert [r["event"] for r in answer["results"]] == ["ADD"]
    assert Memory.objects.count() == 1


def test_the_server_keeps_answering_after_a_dropped_call(live_server, live_alice):
    hang_up_after_sending(
        live_server.url, live_alice.key, {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    )

    again = httpx.post(
        f"{live_server.url}/mcp",
        json={"jsonrpc": "2.0", "id": 2, "method": "ping"},
        headers={**HEADERS, "Authorization": f"Token {live_alice.key}"},
    )

    assert again.json() == {"jsonrpc": "2.0", "id": 2, "result": {}}
