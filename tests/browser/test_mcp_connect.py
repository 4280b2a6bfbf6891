"""In real Chromium: "Connect an MCP client" creates a key whose configuration works, as pasted,
with the official MCP Python client; the page passes axe and fits a phone (screenshots saved)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import anyio
import httpx2
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, accessibility_violations, log_in, screenshot

pytestmark = pytest.mark.slow


@pytest.fixture
def owner(transactional_db, live_server):
    from tests.conftest import Tenant

    return Tenant("alice@example.com", "OWNER")


def search_with(url: str, key: str, query: str) -> dict:
    async def main():
        auth = {"Authorization": f"Bearer {key}"}
        async with (
            httpx2.AsyncClient(headers=auth, timeout=60) as http,
            streamable_http_client(url, http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            await session.call_tool("add_memory", {"text": "Plays chess", "infer": False})
            return (await session.call_tool("search_memories", {"query": query})).structured_content

    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API holds this thread's loop
        return thread.submit(anyio.run, main).result()


def test_a_created_key_configures_a_working_client(page, owner, live_server):
    log_in(page, "alice@example.com", "password")
    page.get_by_role("navigation", name="Project").get_by_role("link", name="MCP clients").click()
    expect(page.get_by_role("heading", name="Connect an MCP client")).to_be_visible()
    assert accessibility_violations(page) == []
    screenshot(page, "mcp-connect")

    page.get_by_label("Default user id (optional)").fill("kim")
    page.get_by_role("button", name="Create a key and fill in the configurations").click()
    expect(page.get_by_role("heading", name="Key “MCP client” created")).to_be_visible()
    command = page.locator("#snippet-claude-code").inner_text()
    url, key = re.fullmatch(
        r'claude mcp add --transport http engram "(\S+)" --header "Authorization: Bearer (\S+)"',
        command,
    ).groups()
    assert url == f"{live_server.url}/mcp?user_id=kim"
    assert accessibility_violations(page) == []
    screenshot(page, "mcp-connect-created")

    found = search_with(url, key, "chess")
    assert [(hit["memory"], hit["user_id"]) for hit in found["results"]] == [("Plays chess", "kim")]


def test_it_fits_a_phone(page, owner, live_server):
    from django.urls import reverse

    log_in(page, "alice@example.com", "password")
    page.set_viewport_size(PHONE)
    page.goto(
        reverse(
            "dashboard:mcp-connect", args=[owner.organization.public_id, owner.project.public_id]
        )
    )

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "mcp-connect-phone")
