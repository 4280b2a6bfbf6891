# ruff: noqa: RUF001 - Chinese text is written with full-width punctuation
"""The refusals the services raise, and the model choices' labels, as the dashboard shows them
in Simplified Chinese (Accept-Language: zh-Hans) and, without the header, in English. The API
answers the same refusals in English whatever the header says."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from memories.models import Event, Memory
from memories.models_webhooks import Webhook
from memories.services.add import NewMemories, memories_add_verbatim
from memories.services.memories import Actor
from memories.webhooks.services import webhook_create
from tests.memories.test_webhooks_support import use_fake_dns

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}
HTMX = {"HTTP_HX_REQUEST": "true"}
SCOPE = {"user_id": "jo", "agent_id": None, "app_id": None, "run_id": None}
RULES = reverse("dashboard:moderation-rules")


def project_url(name: str, tenant, *extra) -> str:
    return reverse(
        f"dashboard:{name}", args=[tenant.organization.public_id, tenant.project.public_id, *extra]
    )


def search(client: Client, tenant, filters: str, **headers) -> str:
    url = project_url("search", tenant)
    response = client.get(url, {"q": "tea", "filters": filters}, **headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def memory(alice) -> Memory:
    new = NewMemories(texts=["likes tea"], scope=SCOPE)
    memories_add_verbatim(project=alice.project, new=new, actor=Actor())
    return Memory.objects.get(project=alice.project)


@pytest.fixture
def inactive_webhook(alice, monkeypatch) -> Webhook:
    use_fake_dns(monkeypatch)
    url = "https://hooks.example.com/engram"
    webhook = webhook_create(
        project=alice.project, name="Logger", url=url, event_types=["memory_add"]
    )
    Webhook.objects.filter(pk=webhook.pk).update(is_active=False)
    return webhook


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


# --- the search playground's filter errors -------------------------------------------------


def test_it_shows_an_unknown_filter_key_in_chinese(alice_client, alice):
    html = search(alice_client, alice, '{"colour": "red"}', **ZH)
    assert "顶层键必须是逻辑运算符或允许的字段：" in html
    assert "Top-level key must be" not in html


def test_it_shows_a_bad_date_and_bad_json_in_chinese(alice_client, alice):
    html = search(alice_client, alice, '{"user_id": "jo", "created_at": "soon"}', **ZH)
    assert "不是日期（YYYY-MM-DD）或 ISO-8601 日期时间（或超出范围）" in html
    assert "is not a date" not in html
    html = search(alice_client, alice, '{"user_id": ', **ZH)
    assert "filters：应为 JSON 对象或 Python 字典字面量" in html


def test_it_shows_the_filter_errors_in_english_without_the_header(alice_client, alice):
    html = search(alice_client, alice, '{"user_id": "jo", "created_at": "soon"}')
    assert "is not a date (YYYY-MM-DD) or an ISO-8601 datetime (or is out of range)" in html
    assert "不是日期" not in html


# --- memories, events and webhooks ---------------------------------------------------------


def test_it_refuses_an_edit_over_the_text_limit_in_chinese(alice_client, alice, memory, settings):
    settings.MEMORY_TEXT_MAX_CHARS = 12
    url = project_url("memory-edit", alice, "user", "jo", memory.id)
    response = alice_client.post(url, {"text": "我喜欢印度菜" * 3}, **HTMX, **ZH)
    html = response.content.decode()
    assert response.status_code == 200
    assert "text：18 个字符，超过了每条记忆 12 个字符的上限。" in html
    assert "over the limit" not in html


def test_it_refuses_a_retry_of_a_summary_in_chinese_and_english(alice_client, alice):
    event = Event.objects.create(project=alice.project, event_type="SUMMARY", status="FAILED")
    url = project_url("event-retry", alice, event.pk)
    assert "SUMMARY 事件无法重试。" in alice_client.post(url, **HTMX, **ZH).content.decode()
    html = alice_client.post(url, **HTMX).content.decode()
    assert "SUMMARY events cannot be retried." in html and "无法重试" not in html


def test_it_refuses_a_test_event_to_an_inactive_webhook_in_chinese(
    alice_client, alice, inactive_webhook
):
    url = project_url("webhook-test", alice, inactive_webhook.webhook_id)
    html = alice_client.post(url, **HTMX, **ZH).content.decode()
    assert "该 Webhook 未启用：请先启用再发送测试事件。" in html
    assert "The webhook is inactive" not in html


def test_it_labels_the_webhook_event_types_in_chinese(alice_client, alice):
    html = alice_client.get(project_url("webhook-list", alice), **ZH).content.decode()
    assert "记忆新增" in html and "导入任务部分完成" in html
    assert "Memory Add" not in html and "Ingest Job Partially Completed" not in html
    html = alice_client.get(project_url("webhook-list", alice)).content.decode()
    assert "Memory Add" in html and "记忆新增" not in html


def test_it_labels_the_roles_of_the_invitation_form_in_chinese(alice_client, alice):
    html = alice_client.get(project_url("member-list", alice), **ZH).content.decode()
    assert '<option value="READER">只读成员</option>' in html
    assert '<option value="OWNER">所有者</option>' in html
    html = alice_client.get(project_url("member-list", alice)).content.decode()
    assert '<option value="READER">Reader</option>' in html


# --- moderation rules (staff) ----------------------------------------------------------------


def test_it_refuses_bad_rules_in_chinese(staff_client):
    rule = {"name": "Passwords", "kind": "regex", "pattern": "password:", "validator": ""}
    staff_client.post(RULES, rule, **HTMX)
    html = staff_client.post(RULES, rule, **HTMX, **ZH).content.decode()
    assert "的规则已存在。" in html and "exists already" not in html
    broken = {**rule, "name": "Broken", "pattern": "(["}
    html = staff_client.post(RULES, broken, **HTMX, **ZH).content.decode()
    assert "正则表达式无效：" in html and "Invalid regular expression" not in html


# --- the API stays English ---------------------------------------------------------------------


def test_the_api_answers_the_same_refusals_in_english(alice, memory, settings):
    settings.MEMORY_TEXT_MAX_CHARS = 12
    client = alice.client()
    response = client.put(
        f"/v1/memories/{memory.id}/", {"text": "我喜欢印度菜" * 3}, format="json", **ZH
    )
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "text: 18 characters, over the limit of 12 characters per memory."
    )
    body = {"filters": {"user_id": "jo", "colour": "red"}}
    response = client.post("/v3/memories/", body, format="json", **ZH)
    assert response.status_code == 400
    assert "Top-level key must be a logical operator" in response.json()["detail"]
