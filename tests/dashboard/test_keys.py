from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiKey
from accounts.selectors import api_key_get_by_plaintext
from accounts.services import api_key_create, api_key_set_suspended

PLAINTEXT = re.compile(r"eg_[a-z0-9]{12}_[A-Za-z0-9_-]{20,}")


def keys_url(tenant) -> str:
    return reverse(
        "dashboard:key-list", args=[tenant.organization.public_id, tenant.project.public_id]
    )


def revoke_url(tenant, api_key) -> str:
    args = [tenant.organization.public_id, tenant.project.public_id, api_key.prefix]
    return reverse("dashboard:key-revoke", args=args)


def create(client, tenant, headers=None, **data):
    body = {"name": "support bot", "scopes": ["read", "write"], **data}
    return client.post(keys_url(tenant), body, **(headers or {}))


# --- access ---------------------------------------------------------------------------------


def test_it_renders_the_page_for_the_owner(alice_client, alice):
    response = alice_client.get(keys_url(alice))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<header class="topbar">' in html and 'id="key-rows"' in html
    assert alice.api_key.display in html and "alice@example.com key" in html
    assert 'id="key-create"' in html and f'action="{keys_url(alice)}" method="post"' in html
    assert "<caption>" in html and 'scope="col"' in html
    assert "HX-Request" in response["Vary"]


def test_it_gives_htmx_only_the_rows(alice_client, alice, htmx):
    response = alice_client.get(keys_url(alice), **htmx)
    html = response.content.decode()
    assert html.lstrip().startswith("<tr") and alice.api_key.display in html
    assert "<html" not in html and "topbar" not in html and "<table" not in html
    assert "HX-Request" in response["Vary"]


def test_it_lets_the_reader_see_but_not_create_or_revoke(bob_client, bob, alice):
    html = bob_client.get(keys_url(bob)).content.decode()
    assert alice.api_key.display in html and bob.api_key.display in html
    assert "Create key" not in html and "Revoke" not in html
    assert create(bob_client, bob).status_code == 403
    assert bob_client.post(revoke_url(bob, alice.api_key)).status_code == 403
    assert ApiKey.objects.count() == 2 and not ApiKey.objects.exclude(revoked_at=None).exists()


def test_it_hides_the_project_from_outsiders(charlie_client, alice):
    assert charlie_client.get(keys_url(alice)).status_code == 404
    assert create(charlie_client, alice).status_code == 404
    assert charlie_client.post(revoke_url(alice, alice.api_key)).status_code == 404
    assert alice.project.api_keys.count() == 1


def test_it_sends_anonymous_visitors_to_login(client, alice):
    response = client.get(keys_url(alice))
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_it_does_not_revoke_another_projects_key_through_this_project(alice_client, alice, charlie):
    url = reverse(
        "dashboard:key-revoke",
        args=[alice.organization.public_id, alice.project.public_id, charlie.api_key.prefix],
    )
    assert alice_client.post(url).status_code == 404
    charlie.api_key.refresh_from_db()
    assert charlie.api_key.revoked_at is None


# --- list -----------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [1, 30])
def test_it_costs_a_fixed_number_of_queries(alice_client, alice, extra, django_assert_num_queries):
    for n in range(extra):
        api_key_create(project=alice.project, created_by=alice.user, name=f"key {n}")
    # session + user, membership + project, the switcher's projects, the keys with creators
    with django_assert_num_queries(5):
        response = alice_client.get(keys_url(alice))
    assert response.content.decode().count("<tr") == extra + 2  # + alice's key + header row


def test_it_shows_each_keys_state(alice_client, alice):
    expired, _ = api_key_create(
        project=alice.project,
        created_by=alice.user,
        name="old",
        expires_at=timezone.now() - timedelta(days=1),
    )
    suspended, _ = api_key_create(project=alice.project, created_by=None, name="paused")
    api_key_set_suspended(api_key=suspended, suspended=True)
    html = alice_client.get(keys_url(alice)).content.decode()
    row = lambda key: html.split(f'id="key-{key.prefix}"')[1].split("</tr>")[0]  # noqa: E731
    assert ">active<" in row(alice.api_key) and ">expired<" in row(expired)
    assert ">suspended<" in row(suspended) and "<td>—</td>" in row(suspended)
    assert "alice@example.com" in row(alice.api_key) and "read, write" in row(alice.api_key)


def test_no_list_response_holds_a_plaintext_key(alice_client, alice, htmx):
    for response in (alice_client.get(keys_url(alice)), alice_client.get(keys_url(alice), **htmx)):
        html = response.content.decode()
        assert alice.key not in html and not PLAINTEXT.search(html)


# --- create ---------------------------------------------------------------------------------


def test_it_creates_a_key_and_shows_the_plaintext_once(alice_client, alice, htmx):
    response = create(alice_client, alice, name="bot", scopes=["read"], headers=htmx)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert json.loads(response["HX-Trigger"]) == {"accounts:keys-changed": {}}
    html = response.content.decode()
    plaintext = PLAINTEXT.search(html).group(0)
    assert f'id="new-key" value="{plaintext}" readonly' in html
    assert "navigator.clipboard.writeText" in html and "<html" not in html
    api_key = api_key_get_by_plaintext(plaintext=plaintext)
    assert api_key.name == "bot" and api_key.scopes == ["read"] and api_key.created_by == alice.user
    assert api_key.expires_at is None
    again = alice_client.get(keys_url(alice)).content.decode()
    assert plaintext not in again and api_key.display in again
    assert plaintext not in alice_client.get(keys_url(alice), **htmx).content.decode()


def test_it_creates_a_key_without_htmx_on_the_full_page(alice_client, alice):
    response = create(alice_client, alice)
    html = response.content.decode()
    assert (
        response.status_code == 200 and "topbar" in html and "no-store" in response["Cache-Control"]
    )
    plaintext = PLAINTEXT.search(html).group(0)
    assert api_key_get_by_plaintext(plaintext=plaintext).name == "support bot"
    assert html.count(plaintext) == 1


def test_it_expires_the_key_at_the_end_of_the_chosen_day(alice_client, alice, htmx):
    day = timezone.localdate() + timedelta(days=3)
    create(alice_client, alice, name="temp", expires_on=day.isoformat(), headers=htmx)
    expires_at = timezone.localtime(ApiKey.objects.get(name="temp").expires_at)
    assert expires_at.date() == day + timedelta(days=1) and expires_at.hour == 0


def test_form_errors_rerender_the_form_with_200(alice_client, alice, htmx):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = create(alice_client, alice, name="", scopes=[], expires_on=yesterday, headers=htmx)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<section id="key-create"')
    assert html.count('class="errorlist') == 3 and "Choose today or a later day." in html
    assert "HX-Trigger" not in response and alice.project.api_keys.count() == 1


def test_it_refuses_unknown_scopes(alice_client, alice, htmx):
    response = create(alice_client, alice, scopes=["admin"], headers=htmx)
    assert "Select a valid choice" in response.content.decode()
    assert alice.project.api_keys.count() == 1


def test_the_member_role_may_create_keys(client, alice):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(email="mia@example.com")
    MembershipFactory(organization=alice.organization, user=user, role="MEMBER")
    client.force_login(user)
    assert create(client, alice).status_code == 200
    assert alice.project.api_keys.filter(created_by=user).exists()


# --- revoke ---------------------------------------------------------------------------------


def test_it_revokes_a_key_and_returns_its_row(alice_client, alice, htmx):
    html = alice_client.get(keys_url(alice)).content.decode()
    assert f'hx-confirm="Revoke the key “alice@example.com key” ({alice.api_key.display})?' in html
    response = alice_client.post(revoke_url(alice, alice.api_key), **htmx)
    row = response.content.decode()
    assert response.status_code == 200 and row.lstrip().startswith(
        f'<tr id="key-{alice.api_key.prefix}"'
    )
    assert ">revoked<" in row and "Revoke" not in row and alice.key not in row
    alice.api_key.refresh_from_db()
    assert alice.api_key.revoked_at is not None
    assert alice.client().get("/v1/ping/").status_code == 401


def test_it_redirects_after_revoking_without_htmx(alice_client, alice):
    response = alice_client.post(revoke_url(alice, alice.api_key))
    assert response.status_code == 302 and response["Location"] == keys_url(alice)


def test_it_404s_revoking_an_unknown_key(alice_client, alice):
    url = reverse(
        "dashboard:key-revoke",
        args=[alice.organization.public_id, alice.project.public_id, "nosuchprefix"],
    )
    assert alice_client.post(url).status_code == 404
