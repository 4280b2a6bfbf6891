"""In real Chromium: an API key is shown once and works with the SDK; a reported memory reaches
the staff moderation queue and is resolved there; every screen renders (screenshots saved)."""

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


@pytest.fixture
def staff(transactional_db):
    from accounts.models import User

    return User.objects.create_user("staff@example.com", "staff-password", is_staff=True)


def project_screen(page, name: str) -> None:
    page.get_by_role("navigation", name="Project").get_by_role("link", name=name).click()


def test_a_new_key_is_shown_once_and_works(page, owner, live_server):
    from mem0 import MemoryClient

    log_in(page, "alice@example.com", "password")
    project_screen(page, "API keys")
    page.get_by_label("Name").fill("browser key")
    page.get_by_role("button", name="Create key").click()
    key = page.get_by_label("Your new API key").input_value()
    assert re.fullmatch(r"eg_[a-z0-9]{12}_[\w-]{40,}", key)
    screenshot(page, "api-key-created")

    client = MemoryClient(api_key=key, host=live_server.url)
    client.add([{"role": "user", "content": "Key works"}], user_id="kim", infer=False)
    found = client.get_all(filters={"user_id": "kim"})
    found = found["results"] if isinstance(found, dict) else found
    assert [memory["memory"] for memory in found] == ["Key works"]

    page.reload()
    expect(page.get_by_role("cell", name="browser key", exact=True)).to_be_visible()
    assert key not in page.content()
    assert key[:16] in page.content()  # the prefix identifies it; the secret is gone
    screenshot(page, "api-keys")


def test_a_reported_memory_is_resolved_by_staff(page, browser, owner, staff, live_server):
    from mem0 import MemoryClient

    from memories.models import Memory
    from memories.models_moderation import AuditLog, Flag, FlagStatus

    MemoryClient(api_key=owner.key, host=live_server.url).add(
        [{"role": "user", "content": "Zed thinks the boss is an idiot"}],
        user_id="zed",
        infer=False,
    )
    log_in(page, "alice@example.com", "password")
    project_screen(page, "Entities")
    page.get_by_role("link", name="zed").click()
    card = page.locator("article.memory", has_text="boss is an idiot")
    card.locator("summary", has_text="Report").click()
    card.get_by_label("Why should staff review this memory?").fill("Insulting a colleague")
    card.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("status").filter(has_text="Reported")).to_be_visible()

    moderator = browser.new_context(base_url=live_server.url).new_page()
    log_in(moderator, "staff@example.com", "staff-password")
    moderator.goto("/staff/moderation/")
    flag = moderator.locator("article.flag", has_text="boss is an idiot")
    expect(flag).to_contain_text("Insulting a colleague")
    screenshot(moderator, "moderation-queue")
    flag.get_by_label("Reason for your decision").fill("Kept out of the assistant's memory")
    flag.get_by_role("button", name=re.compile("^Archive")).click()
    expect(moderator.locator("article.flag", has_text="boss is an idiot")).to_have_count(0)

    assert Memory.objects.get(user_id="zed").state == "archived"
    assert Flag.objects.get().status == FlagStatus.RESOLVED
    audit = AuditLog.objects.get()
    assert (audit.actor.email, audit.reason) == (
        "staff@example.com",
        "Kept out of the assistant's memory",
    )
    moderator.goto("/staff/moderation/audit/")
    expect(moderator.locator("main")).to_contain_text("Kept out of the assistant's memory")
    screenshot(moderator, "moderation-audit")
    for path, name in [
        ("/staff/moderation/rules/", "moderation-rules"),
        ("/staff/moderation/accounts/", "moderation-accounts"),
    ]:
        moderator.goto(path)
        assert accessibility_violations(moderator) == [], name
        screenshot(moderator, name)


SCREENS = [
    "Overview",
    "Entities",
    "Search",
    "Events",
    "API calls",
    "API keys",
    "Webhooks",
    "Members",
    "Settings",
]


def test_every_project_screen_renders_accessibly_on_desktop_and_phone(page, owner, live_server):
    log_in(page, "alice@example.com", "password")
    urls = {}
    for name in SCREENS:
        project_screen(page, name)
        expect(page.get_by_role("link", name=name, exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        urls[name] = page.url
        assert accessibility_violations(page) == [], name
        screenshot(page, "screen-" + name.lower().replace(" ", "-"))
    page.set_viewport_size(PHONE)
    for name, url in urls.items():
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name} is {width}px wide at phone width"
        screenshot(page, "phone-screen-" + name.lower().replace(" ", "-"))
