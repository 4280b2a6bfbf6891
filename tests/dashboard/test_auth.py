from __future__ import annotations

import pytest
from django.test import Client, override_settings

from accounts.models import Membership, Project, Role, User
from tests.factories import UserFactory

PASSWORD = "password"  # tests.factories.UserFactory's


@pytest.fixture
def carol(db):
    return UserFactory(email="carol@example.com")


def login(client: Client, email: str, password: str, **extra):
    return client.post("/login/", {"username": email, "password": password}, **extra)


# --- login / logout ------------------------------------------------------------------------


def test_login_page_and_fragment(client, db, htmx):
    page = client.get("/login/")
    assert page.status_code == 200
    assert '<header class="topbar">' in page.content.decode()
    assert 'action="/login/" method="post"' in page.content.decode()
    assert "HX-Request" in page["Vary"]
    fragment = client.get("/login/", **htmx)
    html = fragment.content.decode()
    assert html.lstrip().startswith('<form id="login-form"') and "topbar" not in html
    assert "HX-Request" in fragment["Vary"]


def test_login_goes_to_the_dashboard(client, carol):
    response = login(client, "carol@example.com", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200  # no projects yet: the create page


def test_wrong_password_rerenders_the_form(client, carol):
    response = login(client, "carol@example.com", "nope")
    assert response.status_code == 200
    assert "Please enter a correct email and password" in response.content.decode()


def test_logout_is_a_post_and_returns_to_login(alice_client):
    response = alice_client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert alice_client.get("/dashboard/").status_code == 302


# --- throttling (django-axes) ----------------------------------------------------------------


def test_five_failures_lock_the_login(client, carol):
    for _ in range(4):
        assert login(client, "carol@example.com", "wrong").status_code == 200
    locked = login(client, "carol@example.com", "wrong")
    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.content.decode()
    assert "15 minutes" in locked.content.decode()
    # Even the right password is refused during the cool-off.
    assert login(client, "carol@example.com", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_success_resets_the_failure_count(client, carol):
    for _ in range(4):
        login(client, "carol@example.com", "wrong")
    assert login(client, "carol@example.com", PASSWORD).status_code == 302
    client.post("/logout/")
    for _ in range(4):
        assert login(client, "carol@example.com", "wrong").status_code == 200


def test_the_lock_is_per_email(client, carol):
    for _ in range(5):
        login(client, "carol@example.com", "wrong")
    UserFactory(email="dave@example.com")
    assert login(client, "dave@example.com", PASSWORD).status_code == 302


# --- password change -------------------------------------------------------------------------


def test_password_change_needs_login(client, db):
    response = client.get("/password/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/password/"


def test_password_change_page_fragment_and_post(client, carol, htmx):
    client.force_login(carol)
    page = client.get("/password/")
    assert page.status_code == 200 and "topbar" in page.content.decode()
    assert "HX-Request" in page["Vary"]
    fragment = client.get("/password/", **htmx).content.decode()
    assert fragment.lstrip().startswith('<form id="password-form"') and "topbar" not in fragment
    response = client.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a much longer secret 42",
            "new_password2": "a much longer secret 42",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/password/done/"
    carol.refresh_from_db()
    assert carol.check_password("a much longer secret 42")
    done = client.get("/password/done/", **htmx)
    assert "Password changed" in done.content.decode() and "topbar" not in done.content.decode()


# --- sign-up -------------------------------------------------------------------------------


def signup(client: Client, email: str = "erin@example.com"):
    secret = "correct horse battery staple"
    return client.post("/signup/", {"email": email, "password1": secret, "password2": secret})


@override_settings(SIGNUP_ENABLED=True)
def test_signup_page_and_fragment(client, db, htmx):
    page = client.get("/signup/")
    assert page.status_code == 200 and "topbar" in page.content.decode()
    assert "HX-Request" in page["Vary"]
    fragment = client.get("/signup/", **htmx).content.decode()
    assert fragment.lstrip().startswith('<form id="signup-form"') and "topbar" not in fragment


@override_settings(SIGNUP_ENABLED=True)
def test_signup_creates_user_organization_and_project(client, db):
    response = signup(client, "Erin@Example.com")
    user = User.objects.get(email="erin@example.com")
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.OWNER
    assert membership.organization.name == "erin@example.com's organization"
    project = Project.objects.get(organization=membership.organization)
    assert project.name == "default"
    assert response.status_code == 302
    assert response["Location"] == (
        f"/dashboard/{membership.organization.public_id}/{project.public_id}/"
    )
    assert client.get(response["Location"]).status_code == 200  # signed in


@override_settings(SIGNUP_ENABLED=True)
def test_signup_refuses_a_taken_email(client, carol):
    response = signup(client, "CAROL@example.com")
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.count() == 1


def test_signup_is_off_unless_enabled(client, db, settings):
    assert settings.SIGNUP_ENABLED is False  # the default: SIGNUP_ENABLED is unset here
    assert client.get("/signup/").status_code == 404
    assert signup(client).status_code == 404
    assert not User.objects.exists()
    assert 'href="/signup/"' not in client.get("/login/").content.decode()


@override_settings(SIGNUP_ENABLED=True)
def test_login_links_to_signup_when_enabled(client, db):
    assert 'href="/signup/"' in client.get("/login/").content.decode()


# --- emails ignore case ------------------------------------------------------------------------


def test_login_ignores_the_case_of_the_email(client, carol):
    response = login(client, "  CAROL@Example.COM ", PASSWORD)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(carol.pk)


def test_failures_in_any_case_share_one_counter(client, carol):
    for email in [
        "CAROL@example.com",
        "Carol@Example.com",
        "carol@EXAMPLE.com",
        "carol@example.com",
    ]:
        assert login(client, email, "wrong").status_code == 200
    assert login(client, "CAROL@EXAMPLE.COM", "wrong").status_code == 429


# --- throttling per address, across accounts -------------------------------------------------


def fail_over_many_accounts(client, count: int, **extra) -> None:
    for n in range(count):
        assert login(client, f"guess{n}@example.com", "wrong", **extra).status_code == 200


def test_failures_over_many_accounts_lock_the_address(client, carol):
    fail_over_many_accounts(client, 19)
    locked = login(client, "guess19@example.com", "wrong")
    assert locked.status_code == 429
    assert "from your address, for several accounts" in locked.content.decode()
    assert login(client, "carol@example.com", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_success_does_not_clear_the_address_s_failures_on_other_accounts(client, carol):
    fail_over_many_accounts(client, 19)
    assert login(client, "carol@example.com", PASSWORD).status_code == 302
    client.post("/logout/")
    assert login(client, "guess19@example.com", "wrong").status_code == 429


def test_behind_a_proxy_the_address_is_the_forwarded_one(client, carol, settings):
    settings.BEHIND_PROXY = True
    fail_over_many_accounts(client, 19, HTTP_X_FORWARDED_FOR="203.0.113.1")
    login(client, "guess19@example.com", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.1")
    forged = {"HTTP_X_FORWARDED_FOR": "198.51.100.7, 203.0.113.1"}  # the proxy appends the real one
    assert login(client, "carol@example.com", PASSWORD, **forged).status_code == 429
    other = {"HTTP_X_FORWARDED_FOR": "203.0.113.2"}
    assert login(client, "carol@example.com", PASSWORD, **other).status_code == 302
