from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation, Membership, Role
from accounts.services import invitation_create
from tests.factories import MembershipFactory, UserFactory

LINK = re.compile(r"http://testserver/invite/[A-Za-z0-9_-]{40,}/")


def url(name, tenant, *extra) -> str:
    return reverse(name, args=[tenant.organization.public_id, tenant.project.public_id, *extra])


def members_url(tenant) -> str:
    return url("dashboard:member-list", tenant)


def invite(client, tenant, email="dora@example.com", role="MEMBER", **headers):
    return client.post(
        url("dashboard:invitation-create", tenant), {"email": email, "role": role}, **headers
    )


def add_member(tenant, email, role) -> Client:
    user = UserFactory(email=email)
    MembershipFactory(organization=tenant.organization, user=user, role=role)
    client = Client()
    client.force_login(user)
    return client


# --- access ---------------------------------------------------------------------------------


def test_it_renders_the_page_for_the_owner(alice_client, alice, bob):
    response = alice_client.get(members_url(alice))
    html = response.content.decode()
    assert response.status_code == 200 and '<header class="topbar">' in html
    assert "alice@example.com" in html and "bob@example.com" in html
    assert 'id="invite"' in html and "Change role" in html and "Remove" in html
    assert f'action="{url("dashboard:member-role", alice)}" method="post"' in html
    assert "HX-Request" in response["Vary"]


def test_it_gives_htmx_only_the_lists(alice_client, alice, htmx):
    response = alice_client.get(members_url(alice), **htmx)
    html = response.content.decode()
    assert "alice@example.com" in html and "Pending invitations" in html
    assert "<html" not in html and "topbar" not in html and 'id="invite"' not in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("role", [Role.READER, Role.MEMBER])
def test_it_lets_members_and_readers_see_but_not_manage(alice, role):
    client = add_member(alice, "mia@example.com", role)
    invitation_create(
        organization=alice.organization,
        email="dora@example.com",
        role="READER",
        invited_by=alice.user,
    )
    html = client.get(members_url(alice)).content.decode()
    assert "alice@example.com" in html and "dora@example.com" in html
    assert "Change role" not in html and "Remove" not in html and "Revoke" not in html
    assert 'id="invite"' not in html
    email = {"email": "alice@example.com", "role": "READER"}
    assert client.post(url("dashboard:member-role", alice), email).status_code == 403
    assert client.post(url("dashboard:member-remove", alice), email).status_code == 403
    assert invite(client, alice, email="eve@example.com").status_code == 403
    invitation = Invitation.objects.get()
    assert client.post(url("dashboard:invitation-revoke", alice, invitation.pk)).status_code == 403
    assert Membership.objects.get(user=alice.user).role == Role.OWNER
    assert Invitation.objects.get().revoked_at is None


def test_it_hides_the_organization_from_outsiders(charlie_client, alice):
    assert charlie_client.get(members_url(alice)).status_code == 404
    assert invite(charlie_client, alice).status_code == 404
    body = {"email": "alice@example.com"}
    assert charlie_client.post(url("dashboard:member-remove", alice), body).status_code == 404
    assert Membership.objects.filter(user=alice.user).exists() and not Invitation.objects.exists()


def test_it_sends_anonymous_visitors_to_login(client, alice):
    response = client.get(members_url(alice))
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("extra", [1, 20])
def test_it_costs_a_fixed_number_of_queries(alice_client, alice, extra, django_assert_num_queries):
    for n in range(extra):
        add_member(alice, f"m{n}@example.com", Role.READER)
        invitation_create(
            organization=alice.organization,
            email=f"i{n}@example.com",
            role="READER",
            invited_by=alice.user,
        )
    # session + user, membership + project, switcher, members with users, invitations with inviters
    with django_assert_num_queries(6):
        response = alice_client.get(members_url(alice))
    assert response.content.decode().count("<tr") == 2 * extra + 3  # + alice + 2 header rows


# --- roles and removal ----------------------------------------------------------------------


def test_it_changes_a_role(alice_client, alice, bob, htmx):
    response = alice_client.post(
        url("dashboard:member-role", alice), {"email": "bob@example.com", "role": "ADMIN"}, **htmx
    )
    assert response.status_code == 200 and 'role="alert"' not in response.content.decode()
    assert Membership.objects.get(user=bob.user).role == Role.ADMIN
    assert '<option value="ADMIN" selected>' in response.content.decode()


def test_it_shows_service_errors_as_form_errors(alice_client, alice, htmx):
    body = {"email": "alice@example.com", "role": "READER"}
    response = alice_client.post(url("dashboard:member-role", alice), body, **htmx)
    html = response.content.decode()
    assert response.status_code == 200 and 'class="form-errors" role="alert"' in html
    assert "Nobody changes their own role" in html
    assert Membership.objects.get(user=alice.user).role == Role.OWNER


def test_it_shows_errors_on_the_full_page_without_htmx(alice_client, alice):
    body = {"email": "alice@example.com"}
    response = alice_client.post(url("dashboard:member-remove", alice), body)
    html = response.content.decode()
    assert response.status_code == 200 and "topbar" in html
    assert "An organization needs at least one OWNER" in html


def test_it_removes_a_member_and_revokes_their_keys(alice_client, alice, bob, htmx):
    response = alice_client.post(
        url("dashboard:member-remove", alice), {"email": "bob@example.com"}, **htmx
    )
    assert response.status_code == 200 and "bob@example.com" not in response.content.decode()
    assert not Membership.objects.filter(user=bob.user).exists()
    bob.api_key.refresh_from_db()
    assert bob.api_key.revoked_at is not None


def test_it_redirects_after_a_change_without_htmx(alice_client, alice, bob):
    response = alice_client.post(
        url("dashboard:member-role", alice), {"email": "bob@example.com", "role": "MEMBER"}
    )
    assert response.status_code == 302 and response["Location"] == members_url(alice)


def test_an_admin_may_manage_members(alice, bob, htmx):
    client = add_member(alice, "ada@example.com", Role.ADMIN)
    client.post(
        url("dashboard:member-role", alice), {"email": "bob@example.com", "role": "MEMBER"}, **htmx
    )
    assert Membership.objects.get(user=bob.user).role == Role.MEMBER


def test_leaving_sends_the_browser_to_the_dashboard(alice, htmx):
    client = add_member(alice, "ada@example.com", Role.ADMIN)
    response = client.post(
        url("dashboard:member-remove", alice), {"email": "ada@example.com"}, **htmx
    )
    assert response["HX-Redirect"] == reverse("dashboard")


def test_it_asks_before_removing(alice_client, alice, bob):
    html = alice_client.get(members_url(alice)).content.decode()
    assert 'hx-confirm="Remove bob@example.com from' in html


def test_it_reports_an_unknown_member(alice_client, alice, htmx):
    response = alice_client.post(
        url("dashboard:member-remove", alice), {"email": "x@example.com"}, **htmx
    )
    assert "x@example.com is not a member" in response.content.decode()


# --- invitations ----------------------------------------------------------------------------


def test_it_invites_by_email_and_shows_the_link_once(alice_client, alice, htmx):
    response = invite(alice_client, alice, role="READER", **htmx)
    html = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert json.loads(response["HX-Trigger"]) == {"accounts:members-changed": {}}
    link = LINK.search(html).group(0)
    assert f'id="invitation-link" value="{link}" readonly' in html and "navigator.clipboard" in html
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dora@example.com"]
    assert link in mail.outbox[0].body and alice.organization.name in mail.outbox[0].subject
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "dora@example.com",
        "READER",
        alice.user,
    )
    page = alice_client.get(members_url(alice)).content.decode()
    assert "dora@example.com" in page and link not in page and not LINK.search(page)


def test_it_still_shows_the_link_when_mail_fails(alice_client, alice, htmx, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("no SMTP server")

    monkeypatch.setattr("dashboard.views.members.send_mail", broken)
    html = invite(alice_client, alice, **htmx).content.decode()
    assert "could not be sent" in html and LINK.search(html)


def test_invite_errors_rerender_the_form_with_200(alice_client, alice, bob, htmx):
    response = invite(alice_client, alice, email="bob@example.com", **htmx)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<section id="invite"')
    assert "bob@example.com is already a member." in html
    assert (
        "Enter a valid email" in invite(alice_client, alice, email="nope", **htmx).content.decode()
    )
    assert not Invitation.objects.exists() and not mail.outbox


def test_it_revokes_a_pending_invitation(alice_client, alice, htmx):
    invitation, _ = invitation_create(
        organization=alice.organization,
        email="dora@example.com",
        role="READER",
        invited_by=alice.user,
    )
    html = alice_client.get(members_url(alice)).content.decode()
    assert 'hx-confirm="Revoke the invitation of dora@example.com?' in html
    response = alice_client.post(url("dashboard:invitation-revoke", alice, invitation.pk), **htmx)
    assert "dora@example.com" not in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_it_404s_revoking_another_organizations_invitation(alice_client, alice, charlie):
    invitation, _ = invitation_create(
        organization=charlie.organization,
        email="dora@example.com",
        role="READER",
        invited_by=charlie.user,
    )
    assert (
        alice_client.post(url("dashboard:invitation-revoke", alice, invitation.pk)).status_code
        == 404
    )


# --- accepting ------------------------------------------------------------------------------


def accept_url(token) -> str:
    return reverse("invitation-accept", args=[token])


def test_the_invited_person_accepts_and_lands_in_the_project(alice, client):
    _, token = invitation_create(
        organization=alice.organization,
        email="dora@example.com",
        role="MEMBER",
        invited_by=alice.user,
    )
    dora = UserFactory(email="dora@example.com")
    client.force_login(dora)
    page = client.get(accept_url(token)).content.decode()
    assert "alice@example.com invited" in page and "Accept and join" in page
    response = client.post(accept_url(token))
    assert response["Location"] == reverse(
        "dashboard:overview", args=[alice.organization.public_id, alice.project.public_id]
    )
    assert Membership.objects.get(user=dora, organization=alice.organization).role == Role.MEMBER


def test_someone_else_is_told_the_email_must_match(alice, charlie_client):
    _, token = invitation_create(
        organization=alice.organization,
        email="dora@example.com",
        role="MEMBER",
        invited_by=alice.user,
    )
    html = charlie_client.post(accept_url(token)).content.decode()
    assert (
        "This invitation is for dora@example.com, but you are signed in as charlie@example.com"
        in html
    )
    assert "Accept and join" not in html
    assert not Membership.objects.filter(
        organization=alice.organization, user__email="charlie@example.com"
    ).exists()


def test_an_unknown_token_is_a_404_page(alice_client):
    response = alice_client.get(accept_url("nope"))
    assert response.status_code == 404 and "not valid" in response.content.decode()


def test_a_visitor_with_an_account_logs_in_first(alice, client):
    _, token = invitation_create(
        organization=alice.organization,
        email="bob@example.com",
        role="MEMBER",
        invited_by=alice.user,
    )
    UserFactory(email="bob@example.com")
    response = client.get(accept_url(token))
    assert response["Location"] == f"/login/?next={accept_url(token)}"


def test_a_new_person_signs_up_and_comes_back(alice, client, settings):
    settings.SIGNUP_ENABLED = True
    _, token = invitation_create(
        organization=alice.organization,
        email="dora@example.com",
        role="MEMBER",
        invited_by=alice.user,
    )
    response = client.get(accept_url(token))
    assert response["Location"] == f"/signup/?next=%2Finvite%2F{token}%2F"
    signup = client.get(response["Location"]).content.decode()
    assert f'name="next" value="{accept_url(token)}"' in signup
    body = {
        "email": "dora@example.com",
        "password1": "a-long-pass-phrase",
        "password2": "a-long-pass-phrase",
        "next": accept_url(token),
    }
    assert client.post("/signup/", body)["Location"] == accept_url(token)
    client.post(accept_url(token))
    assert Membership.objects.filter(
        organization=alice.organization, user__email="dora@example.com"
    ).exists()


def test_signup_ignores_a_next_to_another_site(db, client, settings):
    settings.SIGNUP_ENABLED = True
    body = {
        "email": "eve@example.com",
        "password1": "a-long-pass-phrase",
        "password2": "a-long-pass-phrase",
        "next": "https://evil.example/",
    }
    assert client.post("/signup/", body)["Location"].startswith("/dashboard/")
