"""Every HTML path the site served before the dashboard became its own app (`dashboard/`),
written out literally: each must still resolve to the same view and answer the same status
to the same person. URL names may change; these paths may not (bookmarks, emails, htmx)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import resolve

from accounts.models import Role
from accounts.services import invitation_create
from memories.models import Entity, Event, Memory
from memories.models_moderation import Flag, FlagSource, ModerationRule
from memories.webhooks.services import webhook_create
from tests.memories.test_webhooks_support import use_fake_dns

P = "/dashboard/{org}/{project}/"
ENTITY = P + "entities/user/u1/"
MEMORY = ENTITY + "memories/{memory}/"
WEBHOOK = P + "webhooks/{webhook}/"
STAFF = "/staff/moderation/"

# (path, the view's name, what a GET by the project's owner, who is also staff, answers)
PATHS = [
    ("/login/", "LoginView", 302),  # signed in already
    ("/logout/", "LogoutView", 405),
    ("/signup/", "signup", 302),
    ("/password/", "PasswordChangeView", 200),
    ("/password/done/", "PasswordChangeDoneView", 200),
    ("/dashboard/", "dashboard", 302),
    ("/invite/{token}/", "invitation_accept", 200),
    (P, "overview", 200),
    (P + "entities/", "entity_list", 200),
    (ENTITY, "entity_detail", 200),
    (P + "entities/delete/user/u1/", "entity_remove", 405),
    (P + "entities/add/user/u1/", "memory_add", 405),
    (MEMORY, "memory_view", 302),
    (MEMORY + "edit/", "memory_edit", 200),
    (MEMORY + "delete/", "memory_remove", 405),
    (MEMORY + "history/", "memory_history", 200),
    (P + "memories/{memory}/report/", "memory_report", 405),
    (P + "search/", "search_playground", 200),
    (P + "events/", "event_list", 200),
    (P + "events/{event}/", "event_detail", 200),
    (P + "events/{event}/retry/", "event_retry_view", 405),
    (P + "requests/", "request_list", 200),
    (P + "webhooks/", "webhook_list", 200),
    (WEBHOOK, "webhook_detail", 200),
    (WEBHOOK + "delete/", "webhook_remove", 405),
    (WEBHOOK + "rotate/", "webhook_rotate", 405),
    (WEBHOOK + "test/", "webhook_test", 405),
    (P + "keys/", "key_list", 200),
    (P + "keys/{prefix}/revoke/", "key_revoke", 405),
    (P + "members/", "member_list", 200),
    (P + "members/role/", "member_role", 405),
    (P + "members/remove/", "member_remove", 405),
    (P + "members/invitations/", "invitation_new", 405),
    (P + "members/invitations/{invitation}/revoke/", "invitation_cancel", 405),
    (P + "settings/", "project_settings", 200),
    (STAFF, "queue", 200),
    (STAFF + "flags/{flag}/", "flag_resolve", 405),
    (STAFF + "rules/", "rules", 200),
    (STAFF + "rules/{rule}/toggle/", "rule_toggle", 405),
    (STAFF + "rules/{rule}/delete/", "rule_delete", 405),
    (STAFF + "accounts/", "accounts", 200),
    (STAFF + "accounts/projects/{project}/", "project_suspension", 405),
    (STAFF + "accounts/keys/{key}/", "api_key_suspension", 405),
    (STAFF + "audit/", "audit", 200),
]
INSIDE = [row for row in PATHS if row[0].startswith(("/dashboard/{", "/staff/"))]


@pytest.fixture
def ids(alice, monkeypatch, settings) -> dict[str, object]:
    """One of every object the paths name, in alice's project."""
    settings.SIGNUP_ENABLED = True  # else /signup/ is a 404 before its view says anything
    use_fake_dns(monkeypatch)
    alice.user.is_staff = True
    alice.user.save(update_fields=["is_staff"])
    Entity.objects.create(project=alice.project, type="user", name="u1")
    memory = Memory.objects.create(project=alice.project, text="t", hash="t", user_id="u1")
    flag = Flag.objects.create(
        project=alice.project, memory=memory, memory_text="t", source=FlagSource.REPORT
    )
    invitation, token = invitation_create(
        organization=alice.organization,
        email="dora@example.com",
        role=Role.MEMBER,
        invited_by=alice.user,
    )
    hook = webhook_create(
        project=alice.project,
        name="h",
        url="https://hooks.example.com/",
        event_types=["memory_add"],
    )
    return {
        "org": alice.organization.public_id,
        "project": alice.project.public_id,
        "memory": memory.pk,
        "event": Event.objects.create(project=alice.project).pk,
        "webhook": hook.webhook_id,
        "prefix": alice.api_key.prefix,
        "invitation": invitation.pk,
        "token": token,
        "flag": flag.pk,
        "rule": ModerationRule.objects.create(name="r", pattern="x").pk,
        "key": alice.api_key.pk,
    }


def view_name(path: str) -> str:
    func = resolve(path).func
    return getattr(func, "view_class", func).__name__


@pytest.mark.parametrize(("path", "view", "status"), PATHS, ids=[row[0] for row in PATHS])
def test_it_serves_the_path_with_the_same_view_and_status(alice, ids, path, view, status):
    url = path.format(**ids)
    client = Client()
    client.force_login(alice.user)
    assert view_name(url) == view
    assert client.get(url).status_code == status


@pytest.mark.parametrize("path", [row[0] for row in INSIDE])
def test_it_sends_visitors_to_log_in(ids, path):
    url = path.format(**ids)
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("path", [row[0] for row in INSIDE])
def test_it_hides_every_screen_from_an_outsider(ids, charlie, path):
    client = Client()
    client.force_login(charlie.user)
    assert client.get(path.format(**ids)).status_code == 404
