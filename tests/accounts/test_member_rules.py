"""Who may change whom, through the API (the actor's key) and the dashboard (the actor's session).

The expected outcome of every cell comes from the rule tables below, not from the code under test.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ApiKey, Invitation, Membership
from tests.conftest import Tenant
from tests.factories import ProjectFactory

OWNER, ADMIN, MEMBER, READER = "OWNER", "ADMIN", "MEMBER", "READER"
ROLES = (OWNER, ADMIN, MEMBER, READER)
ALL, NOT_OWNER, NONE = set(ROLES), {ADMIN, MEMBER, READER}, set()
SELF, OTHER_OWNER, LAST_OWNER = "self", "another OWNER", "the last OWNER"
TARGETS = (SELF, OTHER_OWNER, ADMIN, MEMBER, READER, LAST_OWNER)

# --- the rules ------------------------------------------------------------------------------
# The roles an actor may give each target: only an OWNER touches OWNER, nobody their own role.
SET_ROLE = {
    OWNER: dict.fromkeys(TARGETS, ALL) | {SELF: NONE, LAST_OWNER: NONE},
    ADMIN: dict.fromkeys(TARGETS, NOT_OWNER) | {SELF: NONE, OTHER_OWNER: NONE, LAST_OWNER: NONE},
    MEMBER: dict.fromkeys(TARGETS, NONE),
    READER: dict.fromkeys(TARGETS, NONE),
}
# Whom an actor may remove; removing yourself is leaving, which the last OWNER may not do.
REMOVE = {
    OWNER: {SELF, OTHER_OWNER, ADMIN, MEMBER, READER},
    ADMIN: {SELF, ADMIN, MEMBER, READER},
    MEMBER: set(),
    READER: set(),
}
# The roles an actor may give a new person, by adding them (API) or inviting them (dashboard).
GIVE = {OWNER: ALL, ADMIN: NOT_OWNER, MEMBER: NONE, READER: NONE}
# Refusals are 403, except keeping the last OWNER, a rule about the organization (400).
API_400 = {(OWNER, LAST_OWNER, "remove")}


class World:
    """An organization with the actor and, unless only one OWNER is wanted, another OWNER, an
    ADMIN, a MEMBER and a READER; `people[target]` is the Tenant a target names."""

    def __init__(self, actor_role: str, target: str):
        project = ProjectFactory()
        self.actor = Tenant("actor@example.com", actor_role, project=project)
        self.people = {SELF: self.actor}
        if target == LAST_OWNER:
            only = self.actor if actor_role == OWNER else Tenant("o@example.com", OWNER, project)
            self.people[LAST_OWNER] = only
        else:
            self.people[OTHER_OWNER] = Tenant("owner2@example.com", OWNER, project=project)
            for role in (ADMIN, MEMBER, READER):
                self.people[role] = Tenant(f"{role.lower()}2@example.com", role, project=project)
        self.target = self.people[target]
        self.target_role = Membership.objects.get(user=self.target.user).role

    @property
    def api_url(self) -> str:
        return f"{self.actor.project_url}members/"

    def dashboard(self, name: str) -> tuple[Client, str]:
        client = Client()
        client.force_login(self.actor.user)
        args = [self.actor.organization.public_id, self.actor.project.public_id]
        return client, reverse(name, args=args)

    def role_of_target(self) -> str | None:
        membership = Membership.objects.filter(user=self.target.user).first()
        return membership.role if membership else None

    def target_key_revoked(self) -> bool:
        return ApiKey.objects.get(pk=self.target.api_key.pk).revoked_at is not None


def refusal_status(actor: str, target: str, action: str) -> int:
    return 400 if (actor, target, action) in API_400 else 403


SET_ROLE_CELLS = [(a, t, r) for a in ROLES for t in TARGETS for r in ROLES]
REMOVE_CELLS = [(a, t) for a in ROLES for t in TARGETS]
GIVE_CELLS = [(a, r) for a in ROLES for r in ROLES]
HTMX = {"HTTP_HX_REQUEST": "true"}


# --- through the API ------------------------------------------------------------------------


@pytest.mark.parametrize(("actor", "target", "role"), SET_ROLE_CELLS)
def test_it_sets_a_role_through_the_api_only_as_the_rules_say(db, actor, target, role):
    world = World(actor, target)
    body = {"email": world.target.user.email, "role": role}

    response = world.actor.client().put(world.api_url, body, format="json")

    allowed = role in SET_ROLE[actor][target]
    assert response.status_code == (200 if allowed else refusal_status(actor, target, "set"))
    assert world.role_of_target() == (role if allowed else world.target_role)


@pytest.mark.parametrize(("actor", "target"), REMOVE_CELLS)
def test_it_removes_through_the_api_only_as_the_rules_say(db, actor, target):
    world = World(actor, target)
    url = f"{world.api_url}?email={world.target.user.email}"

    response = world.actor.client().delete(url)

    allowed = target in REMOVE[actor]
    assert response.status_code == (200 if allowed else refusal_status(actor, target, "remove"))
    assert (world.role_of_target() is None, world.target_key_revoked()) == (allowed, allowed)


@pytest.mark.parametrize(("actor", "role"), GIVE_CELLS)
def test_it_adds_through_the_api_only_as_the_rules_say(db, actor, role):
    world = World(actor, ADMIN)
    body = {"email": "new@example.com", "role": role}

    response = world.actor.client().post(world.api_url, body, format="json")

    allowed = role in GIVE[actor]
    assert response.status_code == (200 if allowed else 403)
    added = Membership.objects.filter(user__email="new@example.com", role=role).exists()
    assert added == allowed


def test_it_says_which_rule_refused_a_change(db):
    world = World(ADMIN, OTHER_OWNER)
    body = {"email": "owner2@example.com", "role": "READER"}

    response = world.actor.client().put(world.api_url, body, format="json")

    assert response.json()["detail"] == "Only an OWNER may grant, change or remove the OWNER role."


# --- through the dashboard ------------------------------------------------------------------


def dashboard_status(actor: str) -> int:
    """READERs are read-only (403), MEMBERs do not manage members (403); owners and admins get
    the members list back, with the refusal in it (htmx swaps only 2xx)."""
    return 403 if actor in (MEMBER, READER) else 200


@pytest.mark.parametrize(("actor", "target", "role"), SET_ROLE_CELLS)
def test_it_sets_a_role_on_the_dashboard_only_as_the_rules_say(db, actor, target, role):
    world = World(actor, target)
    client, url = world.dashboard("dashboard:member-role")

    response = client.post(url, {"email": world.target.user.email, "role": role}, **HTMX)

    allowed = role in SET_ROLE[actor][target]
    assert response.status_code == dashboard_status(actor)
    refused_here = not allowed and actor in (OWNER, ADMIN)
    assert ('role="alert"' in response.content.decode()) == refused_here
    assert world.role_of_target() == (role if allowed else world.target_role)


@pytest.mark.parametrize(("actor", "target"), REMOVE_CELLS)
def test_it_removes_on_the_dashboard_only_as_the_rules_say(db, actor, target):
    world = World(actor, target)
    client, url = world.dashboard("dashboard:member-remove")

    response = client.post(url, {"email": world.target.user.email}, **HTMX)

    allowed = target in REMOVE[actor]
    assert response.status_code == dashboard_status(actor)
    assert (world.role_of_target() is None, world.target_key_revoked()) == (allowed, allowed)


@pytest.mark.parametrize(("actor", "role"), GIVE_CELLS)
def test_it_invites_on_the_dashboard_only_as_the_rules_say(db, actor, role):
    world = World(actor, ADMIN)
    client, url = world.dashboard("dashboard:invitation-create")

    response = client.post(url, {"email": "new@example.com", "role": role}, **HTMX)

    allowed = role in GIVE[actor]
    assert response.status_code == dashboard_status(actor)
    assert Invitation.objects.filter(email="new@example.com", role=role).exists() == allowed


@pytest.mark.parametrize("actor", [OWNER, ADMIN])
def test_it_offers_only_the_allowed_controls(db, actor):
    world = World(actor, ADMIN)
    client, url = world.dashboard("dashboard:member-list")

    html = client.get(url).content.decode()

    owner_option = '<option value="OWNER"'
    assert (owner_option in html) == (actor == OWNER)  # both the role selects and the invite
    assert 'name="email" value="actor@example.com"' in html  # the Leave button, no role select
    assert ('Remove<span class="visually-hidden"> owner2@' in html) == (actor == OWNER)
    # an OWNER may change the 4 others' roles; an ADMIN the ADMIN's, MEMBER's and READER's
    assert html.count("Change role") == {OWNER: 4, ADMIN: 3}[actor]


# --- the takeover of issue 15, step by step -------------------------------------------------


@pytest.fixture
def takeover(db):
    owner = Tenant("owner@example.com", OWNER)
    admin = Tenant("admin@example.com", ADMIN, project=owner.project)
    return owner, admin, f"{owner.project_url}members/"


def test_an_admin_cannot_make_themselves_owner(takeover):
    _, admin, url = takeover
    body = {"email": "admin@example.com", "role": "OWNER"}
    assert admin.client().put(url, body, format="json").status_code == 403
    assert Membership.objects.get(user=admin.user).role == ADMIN


def test_an_admin_cannot_demote_the_owner(takeover):
    owner, admin, url = takeover
    body = {"email": "owner@example.com", "role": "READER"}
    assert admin.client().put(url, body, format="json").status_code == 403
    assert Membership.objects.get(user=owner.user).role == OWNER


def test_an_admin_cannot_remove_the_owner_whose_key_keeps_working(takeover):
    owner, admin, url = takeover
    assert admin.client().delete(f"{url}?email=owner@example.com").status_code == 403
    assert Membership.objects.get(user=owner.user).role == OWNER
    assert owner.client().get("/v1/ping/").status_code == 200
