from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Invitation, Membership, Role
from accounts.services import (
    AccountsError,
    api_key_digest,
    invitation_accept,
    invitation_create,
    invitation_revoke,
)
from tests.factories import UserFactory


def invite(tenant, email="dora@example.com", role=Role.MEMBER):
    return invitation_create(
        organization=tenant.organization, email=email, role=role, invited_by=tenant.user
    )


def test_it_stores_only_a_digest_of_the_token(alice):
    invitation, token = invite(alice, email=" Dora@Example.COM ")
    assert len(token) >= 40 and token not in invitation.digest
    assert invitation.digest == api_key_digest(token)
    assert invitation.email == "dora@example.com" and invitation.role == Role.MEMBER
    assert invitation.invited_by == alice.user


def test_it_expires_in_seven_days(alice):
    invitation, _ = invite(alice)
    lifetime = invitation.expires_at - timezone.now()
    assert timedelta(days=6, hours=23) < lifetime <= timedelta(days=7)


def test_it_refuses_to_invite_a_member(alice, bob):
    with pytest.raises(AccountsError, match=r"bob@example\.com is already a member"):
        invite(alice, email="BOB@example.com")
    assert not Invitation.objects.exists()


def test_it_refuses_unknown_roles(alice):
    with pytest.raises(AccountsError, match="role"):
        invite(alice, role="GOD")


def test_a_new_invitation_replaces_the_pending_one(alice):
    first, first_token = invite(alice)
    second, _ = invite(alice, role=Role.READER)
    first.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None
    with pytest.raises(AccountsError, match="revoked"):
        invitation_accept(token=first_token, user=UserFactory(email="dora@example.com"))


def test_accepting_creates_the_membership_with_the_role(alice):
    invitation, token = invite(alice, role=Role.ADMIN)
    dora = UserFactory(email="Dora@example.com")
    membership = invitation_accept(token=token, user=dora)
    assert (membership.organization, membership.user, membership.role) == (
        alice.organization,
        dora,
        Role.ADMIN,
    )
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_a_token_works_once(alice):
    _, token = invite(alice)
    dora = UserFactory(email="dora@example.com")
    invitation_accept(token=token, user=dora)
    with pytest.raises(AccountsError, match="already been used"):
        invitation_accept(token=token, user=dora)
    assert Membership.objects.filter(user=dora).count() == 1


def test_it_refuses_another_email(alice, charlie):
    _, token = invite(alice)
    with pytest.raises(
        AccountsError, match=r"for dora@example\.com, but you are signed in as charlie"
    ):
        invitation_accept(token=token, user=charlie.user)
    assert not Membership.objects.filter(
        organization=alice.organization, user=charlie.user
    ).exists()


def test_it_refuses_expired_invitations(alice):
    invitation, token = invite(alice)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with pytest.raises(AccountsError, match="expired"):
        invitation_accept(token=token, user=UserFactory(email="dora@example.com"))


def test_it_refuses_revoked_invitations(alice):
    invitation, token = invite(alice)
    invitation_revoke(invitation=invitation)
    with pytest.raises(AccountsError, match="not valid"):
        invitation_accept(token=token, user=UserFactory(email="dora@example.com"))


def test_it_refuses_unknown_tokens(db):
    with pytest.raises(AccountsError, match="not valid"):
        invitation_accept(token="nope", user=UserFactory(email="dora@example.com"))


def test_a_member_accepting_keeps_their_role(alice):
    _, token = invite(alice, email="bob@example.com", role=Role.OWNER)
    bob_user = UserFactory(email="bob@example.com")
    Membership.objects.create(organization=alice.organization, user=bob_user, role=Role.READER)
    assert invitation_accept(token=token, user=bob_user).role == Role.READER


def test_an_accepted_invitation_cannot_be_revoked(alice):
    invitation, token = invite(alice)
    invitation_accept(token=token, user=UserFactory(email="dora@example.com"))
    invitation.refresh_from_db()
    with pytest.raises(AccountsError, match="already accepted"):
        invitation_revoke(invitation=invitation)
