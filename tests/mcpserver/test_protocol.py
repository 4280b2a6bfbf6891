"""The JSON-RPC envelope of /mcp: initialize, notifications, versions, and every malformed input
answered as a JSON-RPC error (never an HTML page)."""

import json

from tests.mcpserver.conftest import HEADERS

INIT = {
    "protocolVersion": "2025-06-18",
    "capabilities": {},
    "clientInfo": {"name": "test", "version": "1"},
}


def test_it_initializes_with_the_version_the_client_asked(rpc):
    answer = rpc.request("initialize", INIT)

    result = answer["result"]
    assert answer["id"] == 1
    assert result["protocolVersion"] == "2025-06-18"
    assert result["serverInfo"]["name"] == "engram"
    assert set(result["capabilities"]) == {"tools", "resources"}
    assert "default" in result["instructions"]


def test_it_offers_its_newest_version_for_an_unknown_one(rpc):
    answer = rpc.request("initialize", {**INIT, "protocolVersion": "2099-01-01"})

    assert answer["result"]["protocolVersion"] == "2025-11-25"


def test_it_accepts_notifications_with_202_and_no_body(rpc):
    response = rpc.post({"jsonrpc": "2.0", "method": "notifications/initialized"})

    assert response.status_code == 202
    assert response.content == b""


def test_it_answers_ping(rpc):
    assert rpc.request("ping") == {"jsonrpc": "2.0", "id": 1, "result": {}}


def test_it_serves_the_path_without_a_slash_too(alice):
    response = alice.client().post(
        "/mcp", {"jsonrpc": "2.0", "id": 7, "method": "ping"}, format="json", headers=HEADERS
    )

    assert response.status_code == 200
    assert response.json()["id"] == 7


def test_it_answers_malformed_json_with_a_parse_error(alice):
    response = alice.client().post(
        "/mcp/", "{not json", content_type="application/json", headers=HEADERS
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == -32700
    assert response.json()["id"] is None


def test_it_refuses_a_message_that_is_not_json_rpc(rpc):
    response = rpc.post({"hello": "world"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == -32600


def test_it_refuses_a_request_with_a_bad_id(rpc):
    response = rpc.post({"jsonrpc": "2.0", "id": [1], "method": "ping"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == -32600


def test_it_refuses_batches(rpc):
    response = rpc.post([{"jsonrpc": "2.0", "id": 1, "method": "ping"}])

    assert response.status_code == 400
    assert "batches" in response.json()["error"]["message"]


def test_it_answers_an_unknown_method_with_method_not_found(rpc):
    answer = rpc.request("sampling/doSomething")

    assert answer["error"]["code"] == -32601
    assert answer["id"] == 1


def test_it_refuses_an_unsupported_protocol_version_with_the_list_it_speaks(rpc):
    response = rpc.post(
        {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, **{"MCP-Protocol-Version": "1999"}
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == -32022
    assert "2025-11-25" in error["data"]["supported"]


def test_it_sends_the_modern_probe_back_to_the_handshake(rpc):
    response = rpc.post(
        {"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {}},
        **{"MCP-Protocol-Version": "2026-07-28"},
    )

    error = response.json()["error"]
    assert error["code"] == -32022
    assert error["data"] == {
        "supported": ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"],
        "requested": "2026-07-28",
    }


def test_it_answers_invalid_params_of_initialize(rpc):
    answer = rpc.request("initialize", {"protocolVersion": 5})

    assert answer["error"]["code"] == -32602


def test_it_has_no_stream_to_open_with_get(rpc):
    response = rpc.client.get("/mcp/", headers=HEADERS)

    assert response.status_code == 405
    assert "POST" in response["Allow"]
    assert response.json()["error"]["code"] == -32600


def test_it_answers_405_to_a_get_asking_for_an_event_stream(rpc):
    response = rpc.client.get("/mcp/", headers={"Accept": "text/event-stream"})

    assert response.status_code == 405


def test_it_has_no_session_to_delete(rpc):
    response = rpc.client.delete("/mcp/", headers=HEADERS)

    assert response.status_code == 405


def test_it_refuses_a_client_that_accepts_no_json(rpc):
    response = rpc.post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, Accept="text/html")

    assert response.status_code == 406


def test_it_answers_a_body_over_the_limit_with_413(rpc, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"x": "y" * 2000}}

    response = rpc.post(body)

    assert response.status_code == 413
    assert response.json()["error"]["data"] == {"status": 413}


def test_it_counts_the_answer_as_json(rpc):
    response = rpc.post({"jsonrpc": "2.0", "id": "abc", "method": "ping"})

    assert json.loads(response.content) == {"jsonrpc": "2.0", "id": "abc", "result": {}}


def test_a_tool_that_breaks_is_a_logged_internal_error_not_a_page(rpc, monkeypatch):
    from mcpserver import tools

    def broken(call):
        raise RuntimeError("boom")

    spec = tools.BY_NAME["list_entities"]
    monkeypatch.setitem(tools.BY_NAME, "list_entities", type(spec)(**{**vars(spec), "run": broken}))

    response = rpc.post(
        {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "list_entities"}}
    )

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["id"] == 3
    assert response.json()["error"]["code"] == -32603
    assert "boom" not in response.json()["error"]["message"]
