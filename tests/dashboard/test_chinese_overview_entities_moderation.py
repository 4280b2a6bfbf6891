"""The Overview, Entities, entity detail, request log and staff moderation screens in Simplified
Chinese when the browser asks for it (Accept-Language), and in English when it does not."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import RequestLog
from dashboard.charts import FONT_PX, WIDTH, overview_charts
from dashboard.selectors.overview import overview_get
from memories.models import Event, Memory
from memories.models_moderation import Flag, FlagSource
from memories.services.add import NewMemories, memories_add_verbatim
from memories.services.memories import Actor

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}


def project_url(tenant, name: str, *args) -> str:
    return reverse(
        f"dashboard:{name}", args=[tenant.organization.public_id, tenant.project.public_id, *args]
    )


def get(client, url: str, **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def jo(alice) -> Memory:
    """A user entity with one memory, added through the owner's API key."""
    scope = {"user_id": "jo", "agent_id": None, "app_id": None, "run_id": None}
    memories_add_verbatim(
        project=alice.project,
        new=NewMemories(texts=["Jo drinks green tea"], scope=scope),
        actor=Actor(api_key=alice.api_key),
    )
    return Memory.objects.get(project=alice.project, user_id="jo")


@pytest.fixture
def flagged(alice) -> Flag:
    memory = Memory.objects.create(project=alice.project, text="rude", hash="rude", user_id="jo")
    return Flag.objects.create(
        project=alice.project, memory=memory, memory_text="rude", source=FlagSource.REPORT
    )


# --- Overview ---------------------------------------------------------------------------------


def test_it_shows_the_overview_in_chinese(alice_client, alice):
    Event.objects.create(project=alice.project, status="SUCCEEDED")
    html = get(alice_client, project_url(alice, "overview"), **CHINESE)
    assert '<html lang="zh-hans">' in html
    for text in ["<h1>概览</h1>", "刷新", "每日新增记忆", "最近 30 天", "成功的事件", "等待中"]:
        assert text in html
    assert "Memories added per day" not in html and "Events succeeded" not in html


def test_it_draws_the_charts_in_chinese(alice_client, alice):
    RequestLog.objects.create(
        project=alice.project, method="GET", path="/v1/ping/", status=200, latency_ms=12.0
    )
    html = get(alice_client, project_url(alice, "overview"), HTTP_HX_REQUEST="true", **CHINESE)
    for text in [
        ">记忆数</text>",
        ">调用次数</text>",
        ">延迟中位数 (ms)</text>",
        "月",
        "日</text>",
    ]:
        assert text in html
    assert "30 天内调用次数共 1" in html and "单日延迟中位数 (ms)最高 12" in html
    assert ">memories</text>" not in html and "ms median" not in html


def drawn_width(text: str) -> float:
    """A generous width: a CJK character is a full em, any other 0.62 em (tests/test_charts)."""
    return sum(FONT_PX if ord(char) >= 0x2E80 else 0.62 * FONT_PX for char in text)


def test_the_chinese_chart_labels_fit_inside_the_charts(alice):
    RequestLog.objects.create(
        project=alice.project, method="GET", path="/v1/", status=200, latency_ms=1234.5
    )
    with translation.override("zh-hans"):
        charts = overview_charts(overview_get(project=alice.project))
        svgs = [
            ET.fromstring(render_to_string("dashboard/_chart.html", {"chart": c}))
            for c in charts.values()
        ]
    for svg in svgs:
        for text in svg.iter("{http://www.w3.org/2000/svg}text"):
            x, width = float(text.get("x")), drawn_width(text.text)
            left = {"start": x, "end": x - width}[text.get("text-anchor")]
            assert left >= 0 and left + width <= WIDTH, text.text


def test_it_keeps_the_overview_english_without_the_header(alice_client, alice):
    html = get(alice_client, project_url(alice, "overview"))
    assert "<h1>Overview</h1>" in html and "Events succeeded" in html and ">memories</text>" in html
    assert "概览" not in html and "记忆数" not in html


# --- Entities and one entity ------------------------------------------------------------------


def test_it_lists_entities_in_chinese(alice_client, alice, jo):
    html = get(alice_client, project_url(alice, "entity-list"), **CHINESE)
    for text in [
        "按名称搜索",
        "全部类型",
        "<td>用户</td>",
        "最近活动",
        "删除用户“jo”及其 1 条记忆",
    ]:
        assert text in html
    assert "Search by name" not in html and "All types" not in html and "<td>user</td>" not in html


def test_it_keeps_the_entities_english_without_the_header(alice_client, alice, jo):
    html = get(alice_client, project_url(alice, "entity-list"))
    assert "Search by name" in html and "<td>user</td>" in html and "Last activity" in html
    assert "按名称搜索" not in html


def test_it_shows_an_entity_in_chinese(alice_client, alice, jo):
    html = get(alice_client, project_url(alice, "entity-detail", "user", "jo"), **CHINESE)
    for text in ['<span class="entity-type">用户</span>', "添加记忆", "创建时间", "历史", "举报"]:
        assert text in html
    assert "为什么需要员工审核这条记忆" in html and "删除这条记忆及其历史" in html
    assert "Add a memory" not in html and "Created" not in html and "Send report" not in html


def test_it_shows_a_memorys_history_in_chinese(alice_client, alice, jo):
    url = project_url(alice, "memory-history", "user", "jo", jo.id)
    html = get(alice_client, url, HTTP_HX_REQUEST="true", **CHINESE)
    assert "<strong>添加</strong>" in html and f"API 密钥 {alice.api_key.display}" in html
    assert "<strong>ADD</strong>" not in html and "by API key" not in html


def test_it_keeps_the_entity_english_without_the_header(alice_client, alice, jo):
    html = get(alice_client, project_url(alice, "entity-detail", "user", "jo"))
    assert '<span class="entity-type">user</span>' in html and "Add a memory" in html
    assert "添加记忆" not in html


# --- Request log ------------------------------------------------------------------------------


def test_it_shows_the_request_log_in_chinese(alice_client, alice):
    RequestLog.objects.create(
        project=alice.project, method="GET", path="/v1/ping/", status=200, latency_ms=12.5
    )
    html = get(alice_client, project_url(alice, "request-list"), **CHINESE)
    for text in ["<h1>请求日志</h1>", "路径包含", "任意状态", "延迟", "12.5 ms"]:
        assert text in html
    assert "Path contains" not in html and "Any status" not in html


def test_it_keeps_the_request_log_english_without_the_header(alice_client, alice):
    html = get(alice_client, project_url(alice, "request-list"))
    assert "<h1>Request log</h1>" in html and "No calls yet." in html and "请求日志" not in html
    assert "暂无调用。" in get(alice_client, project_url(alice, "request-list"), **CHINESE)


# --- Staff moderation -------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_it_shows_the_moderation_queue_in_chinese(staff_client, flagged):
    html = get(staff_client, reverse("dashboard:moderation-queue"), **CHINESE)
    for text in ["<h1>内容审核队列</h1>", "待审队列", "审计日志", '<span class="tag">举报</span>']:
        assert text in html
    assert "处理理由" in html and "通过" in html and "归档" in html
    assert "Moderation queue" not in html and "Reason for your decision" not in html


def test_it_keeps_the_moderation_queue_english_without_the_header(staff_client, flagged):
    html = get(staff_client, reverse("dashboard:moderation-queue"))
    assert "<h1>Moderation queue</h1>" in html and '<span class="tag">Report</span>' in html
    assert "内容审核队列" not in html


def test_it_shows_the_audit_log_in_chinese(staff_client):
    html = get(staff_client, reverse("dashboard:moderation-audit"), **CHINESE)
    for text in ["<h1>审计日志</h1>", "全部操作", "操作者邮箱", "暂无操作。"]:
        assert text in html
    assert "All actions" not in html and "No actions." not in html
    assert "All actions" in get(staff_client, reverse("dashboard:moderation-audit"))


def test_it_still_sends_anonymous_visitors_to_log_in(client, alice):
    response = client.get(project_url(alice, "overview"), **CHINESE)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
