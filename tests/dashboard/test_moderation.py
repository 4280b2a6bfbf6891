"""Staff moderation screens (queue, rules, keys and projects, audit log) and the Report button."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from memories.models import Memory, MemoryState
from memories.models_moderation import AuditLog, Flag, FlagSource, FlagStatus, ModerationRule

QUEUE = reverse("dashboard:moderation-queue")
RULES = reverse("dashboard:moderation-rules")
ACCOUNTS = reverse("dashboard:moderation-accounts")
AUDIT = reverse("dashboard:moderation-audit")
VISA = "4111 1111 1111 1111"


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def flag(tenant, text: str = "Alice likes tea", source=FlagSource.REPORT, reason="rude") -> Flag:
    memory = Memory.objects.create(
        project=tenant.project, text=text, hash=text[:32], user_id="alice"
    )
    return Flag.objects.create(
        project=tenant.project, memory=memory, memory_text=text, source=source, reason=reason
    )


def resolve_url(f: Flag) -> str:
    return reverse("dashboard:moderation-flag-resolve", args=[f.pk])


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [QUEUE, RULES, ACCOUNTS, AUDIT])
def test_it_renders_each_screen_for_staff(staff_client, url):
    response = staff_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<header class="topbar">' in html and 'aria-label="Moderation"' in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("url", [QUEUE, RULES, ACCOUNTS, AUDIT])
def test_it_hides_the_screens_from_non_staff(alice_client, url):
    assert alice_client.get(url).status_code == 404


def test_it_hides_every_staff_write_from_non_staff(alice_client, alice):
    f = flag(alice)
    rule = ModerationRule.objects.first()
    posts = [
        (resolve_url(f), {"decision": "delete", "reason": "x"}),
        (RULES, {"name": "n", "kind": "regex", "pattern": "x"}),
        (reverse("dashboard:moderation-rule-delete", args=[rule.pk]), {}),
        (reverse("dashboard:moderation-project-suspension", args=[alice.project.public_id]), {}),
        (reverse("dashboard:moderation-key-suspension", args=[alice.api_key.pk]), {}),
    ]
    for url, data in posts:
        assert alice_client.post(url, data).status_code == 404
    assert Memory.objects.filter(pk=f.memory_id).exists()
    assert ModerationRule.objects.filter(pk=rule.pk).exists() and not AuditLog.objects.exists()


@pytest.mark.parametrize("url", [QUEUE, RULES, ACCOUNTS, AUDIT])
def test_it_sends_anonymous_visitors_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


# --- queue ---------------------------------------------------------------------------------------


def test_it_lists_open_flags_across_projects_newest_first(staff_client, alice, charlie):
    older, newer = flag(alice, "Alice likes tea"), flag(charlie, "Charlie likes jazz")
    resolved = flag(alice, "Old news")
    Flag.objects.filter(pk=resolved.pk).update(status=FlagStatus.RESOLVED)
    html = staff_client.get(QUEUE).content.decode()
    assert html.index(f'id="flag-{newer.pk}"') < html.index(f'id="flag-{older.pk}"')
    assert "Old news" not in html
    assert alice.project.name in html and alice.organization.name in html and "rude" in html


def test_it_gives_htmx_only_the_rows(staff_client, alice, htmx):
    f = flag(alice)
    response = staff_client.get(QUEUE, **htmx)
    html = response.content.decode()
    assert html.lstrip().startswith("<article") and f'id="flag-{f.pk}"' in html
    assert "<html" not in html and "topbar" not in html
    assert "HX-Request" in response["Vary"]


def test_it_filters_by_source_and_project(staff_client, alice, charlie, htmx):
    report, rule = flag(alice, "reported text"), flag(charlie, "rule text", FlagSource.RULE)
    html = staff_client.get(QUEUE, {"source": "rule"}, **htmx).content.decode()
    assert f"flag-{rule.pk}" in html and f"flag-{report.pk}" not in html
    by_project = {"project": alice.project.public_id}
    html = staff_client.get(QUEUE, by_project, **htmx).content.decode()
    assert f"flag-{report.pk}" in html and f"flag-{rule.pk}" not in html


def test_it_scrolls_to_the_next_page(staff_client, alice, htmx):
    flags = [flag(alice, f"fact {n}") for n in range(51)]
    html = staff_client.get(QUEUE, **htmx).content.decode()
    assert html.count("<article") == 50 and 'hx-trigger="revealed"' in html
    assert f"flag-{flags[0].pk}" not in html
    html = staff_client.get(QUEUE, {"offset": 50}, **htmx).content.decode()
    assert html.count("<article") == 1 and f"flag-{flags[0].pk}" in html
    assert 'hx-trigger="revealed"' not in html


@pytest.mark.parametrize("count", [5, 50])
def test_it_pins_the_queue_query_count(staff_client, alice, count, django_assert_num_queries):
    for n in range(count):
        flag(alice, f"fact {n}")
    # session, user, the flags with everything joined in, the topbar's project switcher
    with django_assert_num_queries(4):
        response = staff_client.get(QUEUE)
    assert response.content.decode().count('class="card flag"') == count


# --- resolving -----------------------------------------------------------------------------------


def test_it_approves_and_swaps_the_row_out(staff_client, staff, alice, htmx):
    f = flag(alice)
    response = staff_client.post(resolve_url(f), {"decision": "approve", "reason": "ok"}, **htmx)
    html = response.content.decode()
    assert response.status_code == 200 and 'role="status"' in html and "<article" not in html
    f.refresh_from_db()
    assert (f.status, f.resolution, f.resolved_by) == ("resolved", "approved", staff)
    assert AuditLog.objects.get().action == "flag_approve"


def test_it_edits_archives_and_deletes(staff_client, alice, htmx):
    edited, archived, deleted = flag(alice, "one"), flag(alice, "two"), flag(alice, "three")
    posts = [
        (edited, {"decision": "edit", "reason": "fix", "text": "one, fixed"}),
        (archived, {"decision": "archive", "reason": "hide"}),
        (deleted, {"decision": "delete", "reason": "gone"}),
    ]
    for f, data in posts:
        assert staff_client.post(resolve_url(f), data, **htmx).status_code == 200
    assert Memory.objects.get(pk=edited.memory_id).text == "one, fixed"
    assert Memory.objects.get(pk=archived.memory_id).state == MemoryState.ARCHIVED
    assert not Memory.objects.filter(pk=deleted.memory_id).exists()
    actions = set(AuditLog.objects.values_list("action", "reason"))
    assert actions == {("flag_edit", "fix"), ("flag_archive", "hide"), ("flag_delete", "gone")}


def test_it_rerenders_the_row_with_errors(staff_client, alice, htmx):
    f = flag(alice)
    response = staff_client.post(resolve_url(f), {"decision": "delete", "reason": ""}, **htmx)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith("<article")
    assert "This field is required" in html
    response = staff_client.post(
        resolve_url(f), {"decision": "edit", "reason": "x", "text": f"card {VISA}"}, **htmx
    )
    assert "still matches: Credit card number" in response.content.decode()
    assert Flag.objects.get(pk=f.pk).status == FlagStatus.OPEN and not AuditLog.objects.exists()


def test_it_redirects_without_htmx(staff_client, alice):
    f = flag(alice)
    response = staff_client.post(resolve_url(f), {"decision": "approve", "reason": "ok"})
    assert response.status_code == 302 and response["Location"] == QUEUE


# --- rules ---------------------------------------------------------------------------------------


def test_it_lists_adds_toggles_and_deletes_rules(staff_client, htmx):
    html = staff_client.get(RULES).content.decode()
    assert "Credit card number" in html and "<caption" in html
    data = {"name": "Passwords", "kind": "regex", "pattern": "password:", "validator": ""}
    response = staff_client.post(RULES, data, **htmx)
    assert response.status_code == 200 and "Passwords" in response.content.decode()
    rule = ModerationRule.objects.get(name="Passwords")
    toggle = reverse("dashboard:moderation-rule-toggle", args=[rule.pk])
    row = staff_client.post(toggle, **htmx).content.decode()
    assert row.lstrip().startswith("<tr") and "Enable" in row
    assert not ModerationRule.objects.get(pk=rule.pk).active
    delete = reverse("dashboard:moderation-rule-delete", args=[rule.pk])
    assert staff_client.post(delete, **htmx).content == b""
    actions = list(AuditLog.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["rule_create", "rule_disable", "rule_delete"]


def test_it_shows_the_blocked_words_one_by_one(staff_client, htmx):
    html = staff_client.get(RULES).content.decode()
    row = html.split("<td>Blocked words</td>")[1].split("</tr>")[0]
    assert "No words yet: it matches nothing." in row and "(empty)" not in html
    ModerationRule.objects.filter(name="Blocked words").update(pattern="jazz\nparis, big apple")
    row = staff_client.get(RULES).content.decode().split("<td>Blocked words</td>")[1]
    assert "<li><code>jazz</code></li><li><code>paris</code></li>" in row
    assert "<li><code>big apple</code></li>" in row
    rule = ModerationRule.objects.get(name="Blocked words")
    toggle = reverse("dashboard:moderation-rule-toggle", args=[rule.pk])
    assert "<li><code>jazz</code></li>" in staff_client.post(toggle, **htmx).content.decode()


def test_it_shows_rule_errors_with_200(staff_client, htmx):
    data = {"name": "Broken", "kind": "regex", "pattern": "(["}
    response = staff_client.post(RULES, data, **htmx)
    assert response.status_code == 200
    assert "Invalid regular expression" in response.content.decode()
    assert not ModerationRule.objects.filter(name="Broken").exists()


# --- keys and projects ---------------------------------------------------------------------------


def test_it_finds_a_project_by_name_or_public_id(staff_client, alice, charlie, htmx):
    alice.project.name = "Zebra project"
    alice.project.save()
    html = staff_client.get(ACCOUNTS, {"q": "zebra"}, **htmx).content.decode()
    assert "Zebra project" in html and alice.api_key.display in html and "<html" not in html
    html = staff_client.get(ACCOUNTS, {"q": charlie.project.public_id}).content.decode()
    assert charlie.project.public_id in html and "Zebra project" not in html


def test_it_lists_the_most_recent_projects_and_keys_before_a_search(staff_client, alice, htmx):
    from accounts.services import api_key_create
    from tests.factories import ProjectFactory

    newer = ProjectFactory.create_batch(20)
    html = staff_client.get(ACCOUNTS).content.decode()
    cards = re.findall(r'id="project-(proj_\w+)"', html)
    assert cards == [p.public_id for p in reversed(newer)]  # 20, newest first: not alice's
    key, _ = api_key_create(project=alice.project, created_by=alice.user, name="fresh")
    html = staff_client.get(ACCOUNTS, {"q": ""}, **htmx).content.decode()
    assert re.findall(r'id="project-(proj_\w+)"', html)[0] == alice.project.public_id
    assert key.display in html and "20 projects created or given a key" in html


@pytest.mark.parametrize("count", [2, 20])
def test_it_pins_the_recent_projects_query_count(staff_client, count, django_assert_num_queries):
    from tests.factories import ProjectFactory

    ProjectFactory.create_batch(count)
    # session, user, the projects, their keys, the topbar's project switcher
    with django_assert_num_queries(5):
        response = staff_client.get(ACCOUNTS)
    assert response.content.decode().count('class="card project-card"') == count


def test_it_suspends_and_restores_a_key(staff_client, alice, htmx):
    url = reverse("dashboard:moderation-key-suspension", args=[alice.api_key.pk])
    response = staff_client.post(url, {"decision": "suspend", "reason": "abuse"}, **htmx)
    assert response.status_code == 200 and "Restore" in response.content.decode()
    assert alice.client().get("/v1/ping/").status_code == 401
    staff_client.post(url, {"decision": "restore", "reason": "ok now"}, **htmx)
    assert alice.client().get("/v1/ping/").status_code == 200
    assert AuditLog.objects.filter(target_type="api_key").count() == 2


def test_it_suspends_a_project_and_needs_a_reason(staff_client, alice, htmx):
    url = reverse("dashboard:moderation-project-suspension", args=[alice.project.public_id])
    response = staff_client.post(url, {"decision": "suspend", "reason": ""}, **htmx)
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not AuditLog.objects.exists()
    staff_client.post(url, {"decision": "suspend", "reason": "spam"}, **htmx)
    response = alice.client().get("/v1/memories/", {"user_id": "alice"})
    assert response.status_code == 403
    assert AuditLog.objects.get().action == "project_suspend"


# --- audit log -----------------------------------------------------------------------------------


def audit_rows(n: int, action: str = "flag_approve", email: str = "mod@example.com"):
    AuditLog.objects.bulk_create(
        AuditLog(action=action, actor_email=email, target_type="memory", target_id=str(i))
        for i in range(n)
    )


def test_it_filters_the_audit_log(staff_client, htmx):
    audit_rows(2, "flag_delete", "ann@example.com")
    audit_rows(3, "rule_create", "bo@example.com")
    html = staff_client.get(AUDIT, {"action": "flag_delete"}, **htmx).content.decode()
    assert html.count("<code>flag_delete</code>") == 2 and "rule_create</code>" not in html
    assert "<html" not in html
    html = staff_client.get(AUDIT, {"actor": "bo@"}, **htmx).content.decode()
    assert html.count("bo@example.com") == 3 and "ann@example.com" not in html


def test_it_paginates_the_audit_log(staff_client, htmx):
    audit_rows(55)
    html = staff_client.get(AUDIT, **htmx).content.decode()
    assert html.count("<tr>") == 51 and "Older" in html and "Newer" not in html  # + header
    html = staff_client.get(AUDIT, {"offset": 50}, **htmx).content.decode()
    assert html.count("<tr>") == 6 and "Newer" in html and "Older" not in html


@pytest.mark.parametrize("count", [5, 50])
def test_it_pins_the_audit_query_count(staff_client, count, django_assert_num_queries):
    audit_rows(count)
    with django_assert_num_queries(4):  # session, user, the page, the project switcher
        response = staff_client.get(AUDIT)
    assert response.content.decode().count("<code>flag_approve</code>") == count


# --- the Report button -----------------------------------------------------------------------


def report_url(tenant, memory: Memory) -> str:
    args = [tenant.organization.public_id, tenant.project.public_id, memory.id]
    return reverse("dashboard:memory-report", args=args)


def entity_url(tenant) -> str:
    args = [tenant.organization.public_id, tenant.project.public_id, "user", "alice"]
    return reverse("dashboard:entity-detail", args=args)


@pytest.fixture
def memory(alice):
    from memories.models import Entity

    Entity.objects.create(project=alice.project, type="user", name="alice")
    return Memory.objects.create(project=alice.project, text="Alice likes tea", user_id="alice")


def test_writers_see_and_use_the_report_form(alice_client, alice, memory, htmx):
    html = alice_client.get(entity_url(alice)).content.decode()
    assert f'action="{report_url(alice, memory)}"' in html
    response = alice_client.post(report_url(alice, memory), {"reason": "not me"}, **htmx)
    assert response.status_code == 200 and 'role="status"' in response.content.decode()
    f = Flag.objects.get(memory=memory)
    assert (f.source, f.reason, f.reported_by) == ("report", "not me", alice.user)


def test_it_redirects_a_report_without_htmx_and_rerenders_errors(alice_client, alice, memory):
    data = {"reason": "not me", "next": entity_url(alice)}
    response = alice_client.post(report_url(alice, memory), data)
    assert response.status_code == 302 and response["Location"] == entity_url(alice)
    response = alice_client.post(report_url(alice, memory), {"reason": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()


def test_readers_get_no_report_form_and_403(bob_client, bob, memory):
    html = bob_client.get(entity_url(bob)).content.decode()
    assert "Alice likes tea" in html and "dashboard:memory-report" not in html
    assert "/report/" not in html
    assert bob_client.post(report_url(bob, memory), {"reason": "x"}).status_code == 403
    assert not Flag.objects.exists()


def test_outsiders_cannot_report(charlie_client, alice, memory):
    assert charlie_client.post(report_url(alice, memory), {"reason": "x"}).status_code == 404
    assert not Flag.objects.exists()
