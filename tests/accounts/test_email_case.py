"""Emails ignore case: stored lower-cased, found in any case, and old mixed-case ones migrated."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.core.management import call_command
from django.test import Client

from accounts.models import Membership, User
from tests.factories import UserFactory

migration = importlib.import_module("accounts.migrations.0004_lowercase_emails")


def stored_as(user: User, email: str) -> User:
    """`user` with `email` written as is, as before emails were normalised."""
    User.objects.filter(pk=user.pk).update(email=email)
    return User.objects.get(pk=user.pk)


def test_it_stores_new_users_lower_cased(db):
    assert User.objects.create_user(email=" Dana@Example.COM ").email == "dana@example.com"


def test_the_migration_lower_cases_existing_emails(db):
    user = stored_as(UserFactory(), "Mixed@Example.COM")
    assert migration.lowercase_emails(apps, None) == []
    user.refresh_from_db()
    assert user.email == "mixed@example.com"
    assert (
        Client().post("/login/", {"username": "MIXED@example.com", "password": "password"})[
            "Location"
        ]
        == "/dashboard/"
    )


def test_the_migration_leaves_emails_that_differ_only_by_case(db, capsys):
    lower = UserFactory(email="bob@example.com")
    upper = stored_as(UserFactory(), "Bob@Example.com")
    assert migration.lowercase_emails(apps, None) == [["Bob@Example.com", "bob@example.com"]]
    assert "differ only by case" in capsys.readouterr().err
    assert User.objects.get(pk=upper.pk).email == "Bob@Example.com"
    assert User.objects.get(pk=lower.pk).email == "bob@example.com"


def test_accounts_left_by_the_migration_each_log_in_with_their_spelling(db):
    lower = UserFactory(email="bob@example.com")
    upper = stored_as(UserFactory(), "Bob@Example.com")
    assert User.objects.get_by_natural_key("Bob@Example.com") == upper
    assert User.objects.get_by_natural_key("BOB@EXAMPLE.COM") == lower


def test_the_create_api_key_command_finds_the_user_in_any_case(alice):
    call_command("create_api_key", "--email", "ALICE@Example.com", "--org", "x", "--project", "p")
    assert User.objects.count() == 1
    assert Membership.objects.filter(user=alice.user, organization__name="x").exists()
