# ruff: noqa: RUF001 (Chinese text has full-width punctuation)
"""Every screen in real Chromium, in English and in Simplified Chinese: axe finds nothing
serious, nothing is wider than the window, long Chinese memories wrap inside their cells, and
each is saved under var/screenshots/en/ and var/screenshots/zh/ for people to look at. Typing
Chinese through an input method sends one search, when the word is composed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.conftest import SCREENSHOTS, accessibility_violations

pytestmark = pytest.mark.slow

LANGUAGES = {"en": "en-US,en;q=0.9", "zh": "zh-CN,zh;q=0.9"}
LONG_CHINESE = (
    "我每个周末都会去郊外徒步旅行，最喜欢的路线是从香山出发经过植物园一直走到颐和园，"
    "全程大约二十公里，路上会经过很多古老的寺庙和安静的小村庄，秋天的时候红叶特别漂亮，"
    "所以我通常会在十月中旬带着相机和朋友们一起去拍照。"
)


@pytest.fixture
def owner(transactional_db, live_server, settings):
    from accounts.models import User
    from memories.webhooks.services import webhook_create
    from tests.conftest import Tenant

    settings.WEBHOOKS_ALLOW_PRIVATE = True  # the webhook below points at this machine
    tenant = Tenant("alice@example.com", "OWNER")
    tenant.user.is_staff = True
    tenant.user.save()
    api = tenant.client()
    for text in (LONG_CHINESE, "我对奶酪过敏", "Works at Acme as a nurse"):
        body = {"messages": [{"role": "user", "content": text}], "user_id": "小明", "infer": False}
        assert api.post("/v3/memories/add/", body, format="json").status_code == 200
    said = [{"role": "user", "content": "你好"}, {"role": "assistant", "content": "你好！"}]
    body = {"messages": said, "user_id": "小明", "async_mode": False}
    tenant.event_id = api.post("/v3/memories/add/", body, format="json").json()["event_id"]
    tenant.webhook = webhook_create(
        project=tenant.project,
        name="本地",
        url="http://127.0.0.1:9/hook",
        event_types=["memory_add"],
    )
    assert User.objects.filter(is_staff=True).exists()
    return tenant


def screens(owner) -> dict[str, str]:
    org, pid = owner.organization.public_id, owner.project.public_id
    project = {"org_id": org, "project_id": pid}
    entity = {**project, "entity_type": "user", "name": "小明"}
    return {
        "overview": reverse("dashboard:overview", kwargs=project),
        "entities": reverse("dashboard:entity-list", kwargs=project),
        "entity": reverse("dashboard:entity-detail", kwargs=entity),
        "search": reverse("dashboard:search", kwargs=project) + "?q=饮食偏好&threshold=0",
        "events": reverse("dashboard:event-list", kwargs=project),
        "event": reverse("dashboard:event-detail", kwargs={**project, "event_id": owner.event_id}),
        "api-calls": reverse("dashboard:request-list", kwargs=project),
        "api-keys": reverse("dashboard:key-list", kwargs=project),
        "mcp-clients": reverse("dashboard:mcp-connect", kwargs=project),
        "webhooks": reverse("dashboard:webhook-list", kwargs=project),
        "webhook": reverse(
            "dashboard:webhook-detail", kwargs={**project, "webhook_id": owner.webhook.webhook_id}
        ),
        "members": reverse("dashboard:member-list", kwargs=project),
        "settings": reverse("dashboard:project-settings", kwargs=project),
        "password": reverse("password_change"),
        "moderation-queue": reverse("dashboard:moderation-queue"),
        "moderation-rules": reverse("dashboard:moderation-rules"),
        "moderation-audit": reverse("dashboard:moderation-audit"),
        "moderation-accounts": reverse("dashboard:moderation-accounts"),
    }


def open_page(browser, live_server, language: str):
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN" if language == "zh" else "en-US",
        extra_http_headers={"Accept-Language": LANGUAGES[language]},
    )
    context.set_default_timeout(10_000)
    return context, context.new_page()


def log_in(page) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", "alice@example.com")
    page.fill("input[name=password]", "password")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/dashboard/**")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_screen_in_each_language(browser, live_server, owner, language):
    context, page = open_page(browser, live_server, language)
    folder = SCREENSHOTS / language
    folder.mkdir(parents=True, exist_ok=True)
    page.goto("/login/")
    assert page.get_attribute("html", "lang") == ("zh-hans" if language == "zh" else "en")
    page.screenshot(path=str(folder / "login.png"), full_page=True)
    log_in(page)
    for name, url in screens(owner).items():
        page.goto(url)
        assert page.get_attribute("html", "lang") == ("zh-hans" if language == "zh" else "en")
        nav = "概览" if language == "zh" else "Overview"
        if "moderation" not in name and name != "password":
            assert page.get_by_role("link", name=nav, exact=True).count() == 1, name
        assert accessibility_violations(page) == [], f"{language} {name}"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{language} {name} is {width}px wide"
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    context.close()


def test_a_long_chinese_memory_wraps_inside_its_cell(browser, live_server, owner):
    context, page = open_page(browser, live_server, "zh")
    log_in(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(screens(owner)["entity"])
    cell = page.get_by_text(LONG_CHINESE[:12]).first
    box = cell.evaluate("e => [e.scrollWidth, e.clientWidth, e.getBoundingClientRect().height]")
    assert box[0] <= box[1] + 1  # nothing hidden sideways
    assert box[2] > 40  # it wrapped onto several lines
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_typing_chinese_through_an_input_method_sends_one_search(browser, live_server, owner):
    context, page = open_page(browser, live_server, "zh")
    log_in(page)
    page.goto(screens(owner)["entities"])
    sent = []
    page.on("request", lambda r: sent.append(r.url) if "entities" in r.url else None)
    box = page.locator("input[type=search]").first
    box.focus()
    # What an IME does for 小明: compose "x", "xiao", "xiaom", then commit the word.
    box.dispatch_event("compositionstart")
    for typed in ("x", "xiao", "xiaom", "xiaoming"):
        box.evaluate("(e, v) => { e.value = v; }", typed)
        box.dispatch_event("input", {"isComposing": True})
        page.wait_for_timeout(120)
    page.wait_for_timeout(600)  # longer than the search's delay: nothing may have gone out
    assert sent == []
    box.evaluate("e => { e.value = '小明'; }")
    box.dispatch_event("compositionend", {"data": "小明"})
    page.wait_for_timeout(800)
    assert len(sent) == 1 and "%E5%B0%8F%E6%98%8E" in sent[0]  # 小明, once
    context.close()
