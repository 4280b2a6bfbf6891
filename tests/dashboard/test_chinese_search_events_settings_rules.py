# ruff: noqa: RUF001 - Chinese text is written with full-width punctuation
"""The search playground, events, project settings and the staff rules and keys-and-projects
screens in Simplified Chinese (Accept-Language: zh-Hans), and the same requests in English
without the header. None of these screens is public: each is asked for by its owner or staff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from memories.models import Event, EventStatus
from memories.services.add import NewMemories, memories_add_verbatim
from memories.services.memories import Actor

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}


def project_url(name: str, tenant, *extra) -> str:
    return reverse(
        f"dashboard:{name}", args=[tenant.organization.public_id, tenant.project.public_id, *extra]
    )


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def failed_add(alice) -> Event:
    now = timezone.now()
    return Event.objects.create(
        project=alice.project,
        event_type="ADD",
        status=EventStatus.FAILED,
        payload={"messages": [{"role": "user", "content": "I love jazz."}], "user_id": "alice"},
        error="LLM said no",
        attempts=3,
        started_at=now,
        completed_at=now + timedelta(seconds=4),
        results=[],
    )


@pytest.fixture
def hiking(alice) -> str:
    """A search URL whose one hit matches by full text and meaning."""
    scope = {"user_id": "ann", "agent_id": None, "app_id": None, "run_id": None}
    texts = ["Ann loves hiking in the Swiss Alps every summer"]
    memories_add_verbatim(
        project=alice.project, new=NewMemories(texts=texts, scope=scope), actor=Actor()
    )
    return project_url("search", alice) + "?q=hiking&threshold=0"


def page(client: Client, url: str, **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


# --- search playground ---------------------------------------------------------------------


def test_it_shows_the_search_playground_and_why_a_hit_ranked_in_chinese(alice_client, hiking):
    html = page(alice_client, hiking, **ZH)

    assert "<h1>搜索调试台</h1>" in html and ">返回条数（Top k）<" in html
    assert "1 条结果，耗时 <strong>" in html and "排名原因：" in html
    assert "命中的查询词： <mark>hiking</mark>；" in html and "在这些结果中，语义排第 1" in html
    assert "Search playground" not in html and "Why:" not in html and "by meaning" not in html


def test_it_shows_the_search_playground_in_english_without_the_header(alice_client, hiking):
    html = page(alice_client, hiking)

    assert "<h1>Search playground</h1>" in html and "Why:" in html
    assert "query terms found: <mark>hiking</mark>;" in html and "排名原因" not in html


def test_it_explains_form_errors_in_chinese(alice_client, alice):
    html = page(alice_client, project_url("search", alice) + "?q=x&top_k=0", **ZH)

    assert "确保该值大于或等于1。" in html  # Django's own catalogue
    assert "Ensure this value" not in html


# --- events ----------------------------------------------------------------------------------


def test_it_lists_events_in_chinese(alice_client, alice, failed_add):
    html = page(alice_client, project_url("event-list", alice), **ZH)

    assert (
        "<h1>事件</h1>" in html and ">任意状态<" in html and '<option value="FAILED">失败<' in html
    )
    assert 'class="badge badge-failed">失败</span>' in html and "4.0 秒" in html
    assert ">重试<" in html and ">创建时间<" in html
    assert "Any status" not in html and ">Failed<" not in html and ">Retry<" not in html


def test_it_shows_an_event_in_chinese(alice_client, alice, failed_add):
    html = page(alice_client, project_url("event-detail", alice, failed_add.pk), **ZH)

    assert "<h1>ADD 事件</h1>" in html and ">全部事件<" in html and ">失败</span>" in html
    assert "<dt>尝试次数</dt>" in html and "<h2>输入消息</h2>" in html and "<h2>错误</h2>" in html
    assert "All events" not in html and "<dt>Attempts</dt>" not in html


def test_it_shows_events_in_english_without_the_header(alice_client, alice, failed_add):
    listed = page(alice_client, project_url("event-list", alice))
    shown = page(alice_client, project_url("event-detail", alice, failed_add.pk))

    assert ">Any status<" in listed and 'class="badge badge-failed">Failed</span>' in listed
    assert "<h1>ADD event</h1>" in shown and "4.00 s" in shown and "事件" not in shown


# --- project settings ------------------------------------------------------------------------


def test_it_shows_the_project_settings_in_chinese(alice_client, alice):
    html = page(alice_client, project_url("project-settings", alice), **ZH)

    assert "<h1>项目设置</h1>" in html and ">保存设置<" in html and ">自定义指令<" in html
    assert '<h2 id="status-heading">服务器状态</h2>' in html and "次（服务器默认）" in html
    assert "Project settings" not in html and "Save settings" not in html


def test_it_explains_a_settings_error_in_chinese(alice_client, alice):
    data = {"name": "assistant", "custom_categories": ": no name"}
    response = alice_client.post(project_url("project-settings", alice), data, **ZH)

    assert response.status_code == 200
    assert "第 1 行有描述但没有名称。" in response.content.decode()


def test_it_shows_the_project_settings_in_english_without_the_header(alice_client, alice):
    html = page(alice_client, project_url("project-settings", alice))

    assert "<h1>Project settings</h1>" in html and "a minute (server default)" in html
    assert "项目设置" not in html


# --- staff: moderation rules, keys and projects --------------------------------------------


def test_it_shows_the_moderation_rules_in_chinese(staff_client):
    html = page(staff_client, reverse("dashboard:moderation-rules"), **ZH)

    assert "<h1>内容审核规则</h1>" in html and "<h2>添加规则</h2>" in html
    assert '<option value="regex">正则表达式</option>' in html
    assert "<td>Luhn 校验（银行卡号）</td>" in html and "<td>屏蔽词</td>" in html
    assert "尚无屏蔽词" in html and 'hx-confirm="删除规则“IBAN”？"' in html
    assert "Add a rule" not in html and "<td>Regex</td>" not in html


def test_it_shows_keys_and_projects_in_chinese(staff_client, alice):
    html = page(staff_client, reverse("dashboard:moderation-accounts"), **ZH)

    assert "<h1>密钥与项目</h1>" in html and ">项目名称或公开 ID<" in html
    assert f"{alice.project.name} 的 API 密钥" in html and ">停用项目<" in html
    assert "<td>有效</td>" in html and "<td>从未</td>" in html
    assert "Keys and projects" not in html and "Suspend project" not in html


def test_it_shows_the_staff_screens_in_english_without_the_header(staff_client, alice):
    rules = page(staff_client, reverse("dashboard:moderation-rules"))
    accounts = page(staff_client, reverse("dashboard:moderation-accounts"))

    assert "<h1>Moderation rules</h1>" in rules and "<td>Regex</td>" in rules
    assert "<td>Blocked Words</td>" in rules and "<td>none</td>" in rules
    assert "<h1>Keys and projects</h1>" in accounts and ">Suspend project<" in accounts
    assert "密钥" not in accounts and "规则" not in rules
