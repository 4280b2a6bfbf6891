"""The sign-in, invitation, error and home pages and the API keys, Members and Webhooks screens
in Simplified Chinese (Accept-Language: zh-Hans), and in English without the header."""

# Chinese text is written with full-width punctuation, which RUF001 takes for look-alike typos.
# ruff: noqa: RUF001

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.services import invitation_create
from memories.models_webhooks import Webhook, WebhookDelivery
from memories.webhooks.services import webhook_create
from tests.factories import UserFactory
from tests.memories.test_webhooks_support import use_fake_dns

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}
URL = "https://hooks.example.com/engram"


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch):
    return use_fake_dns(monkeypatch)


@pytest.fixture
def webhook(alice):
    return webhook_create(
        project=alice.project, name="Memory Logger", url=URL, event_types=["memory_add"]
    )


def both(client: Client, url: str, **extra) -> tuple[str, str]:
    """The page asked for in Chinese, then with no language asked for."""
    chinese = client.get(url, **ZH, **extra)
    english = client.get(url, **extra)
    assert chinese.status_code == english.status_code
    assert 'lang="zh-hans"' in chinese.content.decode() and 'lang="en"' in english.content.decode()
    return chinese.content.decode(), english.content.decode()


def screen(name: str, tenant, *extra) -> str:
    args = [tenant.organization.public_id, tenant.project.public_id, *extra]
    return reverse(f"dashboard:{name}", args=args)


def invitation_token(tenant, email: str = "dora@example.com") -> str:
    return invitation_create(
        organization=tenant.organization, email=email, role="MEMBER", invited_by=tenant.user
    )[1]


# --- public pages -----------------------------------------------------------------------------


def test_it_shows_the_home_page_in_chinese(client, db):
    zh, en = both(client, reverse("home"))
    assert "面向 LLM 应用的自托管记忆平台" in zh and "登录</a>控制台" in zh and "API 文档" in zh
    assert "self-hosted memory platform" not in zh and "API documentation" not in zh
    assert "A self-hosted memory platform" in en and "API 文档" not in en


@override_settings(SIGNUP_ENABLED=True)
def test_it_shows_the_login_page_in_chinese(client, db):
    zh, en = both(client, reverse("login"))
    assert "<title>登录 · Engram</title>" in zh and ">密码</label>" in zh
    assert "还没有账户？" in zh and "No account yet?" not in zh and ">Password</label>" not in zh
    assert "<title>Log in · Engram</title>" in en and "No account yet?" in en


@override_settings(SIGNUP_ENABLED=True)
def test_it_shows_the_signup_page_and_its_errors_in_chinese(client, alice):
    zh, en = both(client, reverse("signup"))
    assert "创建账户" in zh and "已有账户？" in zh and "Create your account" not in zh
    assert "Create your account" in en
    taken = {"email": "alice@example.com", "password1": "x9-long-pass", "password2": "x9-long-pass"}
    html = client.post(reverse("signup"), taken, **ZH).content.decode()
    assert "该邮箱已注册过账户。" in html and "already exists" not in html


def test_it_shows_the_lockout_in_chinese(client, alice):
    for _ in range(5):
        locked = client.post(
            reverse("login"), {"username": "alice@example.com", "password": "x"}, **ZH
        )
    html = locked.content.decode()
    assert locked.status_code == 429 and "登录失败次数过多" in html and "暂停 15 分钟" in html
    assert "Too many" not in html and "minutes" not in html


def test_it_shows_the_404_page_in_chinese(client, db):
    zh, en = both(client, "/no-such-page/")
    assert "页面不存在" in zh and "返回首页" in zh and "Page not found" not in zh
    assert "Page not found" in en


# --- signed in, outside a project --------------------------------------------------------------


def test_it_shows_the_password_pages_in_chinese(alice_client):
    zh, en = both(alice_client, reverse("password_change"))
    assert "<h1>修改密码</h1>" in zh and "<h1>Change password</h1>" in en
    zh, en = both(alice_client, reverse("password_change_done"))
    assert "密码已修改" in zh and "新密码已生效" in zh and "Password changed" not in zh
    assert "Your new password is in effect" in en


def test_it_shows_the_first_project_page_and_message_in_chinese(db):
    client = Client()
    client.force_login(UserFactory(email="erin@example.com"))
    zh, en = both(client, reverse("dashboard"))
    assert "还没有项目" in zh and "创建项目" in zh and "No projects yet" not in zh
    assert "No projects yet" in en
    page = client.post(reverse("dashboard"), {"name": "Research"}, follow=True, **ZH)
    assert "项目“Research”已创建。" in page.content.decode()


def test_it_shows_an_invitation_in_chinese(alice):
    token, client = invitation_token(alice), Client()
    client.force_login(UserFactory(email="dora@example.com"))
    zh, en = both(client, reverse("invitation-accept", args=[token]))
    assert "alice@example.com 邀请 <strong>dora@example.com</strong> 以 MEMBER 身份加入" in zh
    assert "接受并加入" in zh and "Accept and join" not in zh and "Accept and join" in en


def test_it_says_why_an_invitation_is_not_yours_in_chinese(alice, charlie_client):
    page = charlie_client.get(reverse("invitation-accept", args=[invitation_token(alice)]), **ZH)
    html = page.content.decode()
    assert "此邀请发给 dora@example.com，但您当前登录的是 charlie@example.com" in html
    assert "This invitation is for" not in html


def test_it_shows_the_403_page_in_chinese(bob_client, bob):
    response = bob_client.post(screen("key-list", bob), {"name": "x"}, **ZH)
    html = response.content.decode()
    assert response.status_code == 403 and "您无权在此执行该操作" in html
    assert "You can’t do that here" not in html


# --- API keys ---------------------------------------------------------------------------------


def test_it_shows_the_api_keys_in_chinese(alice_client, alice):
    zh, en = both(alice_client, screen("key-list", alice))
    assert "<h1>API 密钥</h1>" in zh and "创建密钥" in zh and "最近使用" in zh
    assert "永不过期" in zh and "从未使用" in zh and ">有效</span>" in zh
    assert "Create key" not in zh and ">never<" not in zh and ">active</span>" not in zh
    assert "Create key" in en and ">active</span>" in en and ">never<" in en


def test_it_shows_a_created_and_a_revoked_key_in_chinese(alice_client, alice, htmx):
    body = {"name": "support bot", "scopes": ["read", "write"]}
    created = alice_client.post(screen("key-list", alice), body, **htmx, **ZH).content.decode()
    assert "密钥“support bot”已创建" in created and "textContent = '已复制。'" in created
    assert "shown only this once" not in created and "Copied." not in created
    revoke = screen("key-revoke", alice, alice.api_key.prefix)
    row = alice_client.post(revoke, **htmx, **ZH).content.decode()
    assert ">已吊销</span>" in row and "revoked<" not in row


# --- members ----------------------------------------------------------------------------------


def test_it_shows_the_members_in_chinese(alice_client, alice, bob):
    invitation_token(alice)
    zh, en = both(alice_client, screen("member-list", alice))
    assert "邀请成员" in zh and "（您）" in zh and "待接受的邀请" in zh
    assert "READER（只读成员）只能查看" in zh
    assert "Invite someone" not in zh and "(you)" not in zh and "Pending invitations" not in zh
    assert "Invite someone" in en and "(you)" in en


def test_it_shows_a_new_invitation_in_chinese(alice_client, alice, htmx):
    body = {"email": "dora@example.com", "role": "MEMBER"}
    html = alice_client.post(screen("invitation-create", alice), body, **htmx, **ZH)
    assert "已邀请 dora@example.com 以 MEMBER 身份加入" in html.content.decode()
    assert "is invited as" not in html.content.decode()


def test_it_gives_member_refusals_and_results_in_chinese(alice_client, alice, bob, htmx):
    own = {"email": "alice@example.com", "role": "ADMIN"}
    refused = alice_client.post(screen("member-role", alice), own, **htmx, **ZH).content.decode()
    assert "不能修改自己的角色" in refused and "Nobody changes" not in refused
    body = {"email": "bob@example.com"}
    page = alice_client.post(screen("member-remove", alice), body, follow=True, **ZH)
    assert "已移除 bob@example.com。" in page.content.decode()


# --- webhooks ---------------------------------------------------------------------------------


def test_it_shows_the_webhooks_in_chinese(alice_client, alice, webhook):
    zh, en = both(alice_client, screen("webhook-list", alice))
    assert "添加 Webhook" in zh and ">已启用</span>" in zh and "事件类型" in zh
    assert "Add webhook" not in zh and ">Active</span>" not in zh and "Event types" not in zh
    assert "Add webhook" in en and ">Active</span>" in en


def test_it_refuses_a_private_webhook_url_in_chinese(alice_client, alice, htmx):
    body = {"name": "Local", "url": "http://127.0.0.1/", "event_types": ["memory_add"]}
    html = alice_client.post(screen("webhook-list", alice), body, **htmx, **ZH).content.decode()
    assert "Webhook URL 被拒绝：127.0.0.1 是环回地址；Webhook 只能发送到公网地址。" in html
    assert "WEBHOOKS_ALLOW_PRIVATE=true 启动 Engram" in html and "refused" not in html
    assert not Webhook.objects.exists()


def test_it_shows_a_webhook_and_its_deliveries_in_chinese(alice_client, alice, webhook):
    done = timezone.now() + timedelta(seconds=2)
    for status in ("PENDING", "FAILED"):
        WebhookDelivery.objects.create(
            webhook=webhook, event_type="memory_add", payload={}, status=status
        )
    WebhookDelivery.objects.create(
        webhook=webhook, event_type="memory_add", payload={}, status="SUCCEEDED", completed_at=done
    )
    zh, en = both(alice_client, screen("webhook-detail", alice, webhook.webhook_id))
    assert "签名密钥" in zh and "投递记录" in zh and "发送测试事件" in zh and " 秒<" in zh
    assert ">等待中</span>" in zh and ">失败</span>" in zh and ">成功</span>" in zh
    assert ">Succeeded</span>" not in zh and "Signing secret" not in zh
    assert ">Succeeded</span>" in en and "Signing secret" in en


def test_it_queues_a_test_event_in_chinese(alice_client, alice, webhook, htmx):
    with mock.patch("memories.webhooks.tasks.webhook_deliver_task.delay"):
        response = alice_client.post(
            screen("webhook-test", alice, webhook.webhook_id), **htmx, **ZH
        )
    assert "测试事件已加入队列" in response.content.decode()


def test_the_api_keeps_its_refusals_in_english(alice):
    response = alice.client().post(
        f"/api/v1/webhooks/projects/{alice.project.public_id}/",
        {"name": "Local", "url": "http://127.0.0.1/", "event_types": ["memory_add"]},
        format="json",
        **ZH,
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Webhook URL refused: 127.0.0.1 is a loopback")
