"""The "Connect an MCP client" screen: the URL and configurations, and a key created for it."""

import json

import pytest
from django.urls import reverse

from accounts.models import ApiKey


@pytest.fixture
def url(alice):
    return reverse(
        "dashboard:mcp-connect", args=[alice.organization.public_id, alice.project.public_id]
    )


def test_it_shows_the_url_and_each_client_s_configuration(alice_client, url):
    response = alice_client.get(url)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="http://testserver/mcp"' in page
    assert "claude mcp add --transport http engram &quot;http://testserver/mcp&quot;" in page
    assert "mcp-remote" in page and "~/.cursor/mcp.json" in page
    assert "&lt;YOUR_ENGRAM_API_KEY&gt;" in page


def test_it_creates_a_key_and_fills_it_in(alice_client, url, htmx):
    response = alice_client.post(url, {"user_id": "alice"}, **htmx)

    key = ApiKey.objects.get(name="MCP client")
    page = response.content.decode()
    assert key.scopes == ["read", "write"]
    assert "<html" not in page  # the fragment
    assert "http://testserver/mcp?user_id=alice" in page
    assert f"Bearer eg_{key.prefix}_" in page
    assert json.loads(response["HX-Trigger"]) == {"accounts:keys-changed": {}}
    assert "no-store" in response["Cache-Control"]
    assert "HX-Request" in response["Vary"]


def test_it_creates_a_read_only_key(alice_client, url):
    alice_client.post(url, {"read_only": "on"})

    assert ApiKey.objects.get(name="MCP client").scopes == ["read"]


def test_a_reader_sees_the_page_but_cannot_create_a_key(bob_client, url):
    page = bob_client.get(url).content.decode()

    assert "Create a key" not in page
    assert bob_client.post(url, {}).status_code == 403
    assert not ApiKey.objects.filter(name="MCP client").exists()


def test_an_outsider_gets_404(charlie_client, url):
    assert charlie_client.get(url).status_code == 404


def test_the_configurations_are_valid_json(alice_client, url):
    from dashboard.mcp_configs import client_configs

    configs = {c.slug: c.snippet for c in client_configs("https://e.example/mcp", "eg_k")}

    desktop = json.loads(configs["claude-desktop"])["mcpServers"]["engram"]
    assert desktop["args"][-3:] == [
        "https://e.example/mcp",
        "--header",
        "Authorization:${ENGRAM_AUTH}",
    ]
    assert desktop["env"] == {"ENGRAM_AUTH": "Bearer eg_k"}
    assert json.loads(configs["cursor"])["mcpServers"]["engram"]["headers"] == {
        "Authorization": "Bearer eg_k"
    }
