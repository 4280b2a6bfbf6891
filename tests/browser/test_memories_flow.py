"""A person's path through the dashboard in real Chromium: log in, find what the SDK added,
edit it in place, read its history, and narrow lists with active search."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, accessibility_violations, log_in, screenshot

pytestmark = pytest.mark.slow


@pytest.fixture
def owner(transactional_db, live_server):
    from tests.conftest import Tenant

    return Tenant("alice@example.com", "OWNER")


def sdk_add(owner, live_server, user_id: str, texts: list[str]) -> None:
    from mem0 import MemoryClient

    client = MemoryClient(api_key=owner.key, host=live_server.url)
    for text in texts:
        client.add([{"role": "user", "content": text}], user_id=user_id, infer=False)


def test_sdk_memories_are_found_edited_and_their_history_shown(page, owner, live_server):
    sdk_add(owner, live_server, "maria", ["Maria is vegetarian", "Maria works at Acme"])
    sdk_add(owner, live_server, "mark", ["Mark plays the cello"])

    log_in(page, "alice@example.com", "password")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, "overview")

    page.get_by_role("navigation", name="Project").get_by_role("link", name="Entities").click()
    expect(page.get_by_role("link", name="maria")).to_be_visible()
    expect(page.get_by_role("link", name="mark", exact=True)).to_be_visible()
    screenshot(page, "entities")

    # Active search: typing narrows the rows without a page load.
    page.get_by_label("Search by name").fill("mar")
    page.get_by_label("Search by name").press_sequentially("i")
    expect(page.get_by_role("link", name="mark", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="maria")).to_be_visible()

    page.get_by_role("link", name="maria").click()
    expect(page.get_by_text("Maria is vegetarian")).to_be_visible()
    expect(page.get_by_text("Maria works at Acme")).to_be_visible()
    screenshot(page, "entity-detail")

    card = page.locator("article.memory", has_text="Maria works at Acme")
    card.get_by_role("link", name="Edit").click()
    editor = page.get_by_label("Memory text")
    expect(editor).to_be_visible()
    editor.fill("Maria works at Globex")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Maria works at Globex")).to_be_visible()
    # The text changed; the card still quotes the message the memory came from.
    expect(page.locator(".memory-text", has_text="Maria works at Acme")).to_have_count(0)
    expect(page.locator(".memory-source q")).to_have_text("Maria works at Acme")

    card = page.locator("article.memory", has_text="Maria works at Globex")
    card.get_by_role("link", name="History").click()
    history = card.get_by_role("list", name="History")
    expect(history).to_contain_text("UPDATE")
    expect(history.locator("del")).to_have_text("Maria works at Acme")
    expect(history.locator("ins").last).to_have_text("Maria works at Globex")
    expect(history).to_contain_text("alice@example.com")
    screenshot(page, "memory-history")

    # Filtering the entity's memories is active search too.
    page.get_by_label("Filter memories").fill("vegetarian")
    expect(page.get_by_text("Maria works at Globex")).to_have_count(0)
    expect(page.get_by_text("Maria is vegetarian")).to_be_visible()


def test_screens_are_accessible_and_fit_a_phone(page, owner, live_server):
    sdk_add(owner, live_server, "maria", ["Maria is vegetarian"])
    log_in(page, "alice@example.com", "password")
    overview = page.url
    screens = {"overview": overview}
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Entities").click()
    screens["entities"] = page.url
    page.get_by_role("link", name="maria").click()
    screens["entity-detail"] = page.url

    page.set_viewport_size(PHONE)
    for name, url in screens.items():
        page.goto(url)
        assert accessibility_violations(page) == [], name
        # Nothing is wider than the phone: no sideways scrolling of the page itself.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name} is {width}px wide at phone width"
        screenshot(page, f"phone-{name}")

    # Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    page.goto(overview)
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text(re.compile("Skip to content"))
