import pytest

HEADERS = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}


class Rpc:
    """JSON-RPC over the Django test client, as an MCP client POSTs it to /mcp."""

    def __init__(self, tenant, key: str | None = None, url: str = "/mcp"):
        self.client = tenant.client(key)
        self.url = url
        self.next_id = 0

    def post(self, body, **headers):
        return self.client.post(self.url, body, format="json", headers={**HEADERS, **headers})

    def request(self, method: str, params: dict | None = None, **headers) -> dict:
        self.next_id += 1
        body = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            body["params"] = params
        response = self.post(body, **headers)
        assert response["Content-Type"] == "application/json", response.content
        return response.json()

    def call(self, tool: str, **arguments) -> dict:
        """tools/call; the CallToolResult."""
        answer = self.request("tools/call", {"name": tool, "arguments": arguments})
        assert "result" in answer, answer
        return answer["result"]

    def ok(self, tool: str, **arguments) -> dict:
        """A tool call that must succeed; its structured result."""
        result = self.call(tool, **arguments)
        assert not result.get("isError"), result
        return result["structuredContent"]

    def fails(self, tool: str, **arguments) -> str:
        """A tool call that must be a tool error; its message."""
        result = self.call(tool, **arguments)
        assert result.get("isError") is True, result
        return result["content"][0]["text"]


@pytest.fixture
def rpc(alice):
    return Rpc(alice)


# --- a live Engram for the real clients (committed rows: the server's threads must see them) --


@pytest.fixture
def live_alice(transactional_db, live_server):
    from tests.conftest import Tenant

    return Tenant("alice@example.com", "OWNER")


@pytest.fixture
def live_charlie(transactional_db, live_server):
    from tests.conftest import Tenant

    return Tenant("charlie@example.com", "OWNER")


@pytest.fixture
def mcp_url(live_server) -> str:
    return f"{live_server.url}/mcp"
