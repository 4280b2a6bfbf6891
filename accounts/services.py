"""Writes for organizations, projects, members, invitations and API keys."""

from __future__ import annotations

import hashlib
import secrets
import string
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.auth_cache import api_keys_changed, last_use_remember
from accounts.models import (
    MANAGER_ROLES,
    ApiKey,
    Invitation,
    Membership,
    Organization,
    Project,
    Role,
    Scope,
    User,
    email_normalize,
)
from config.errors import DomainError, DomainPermissionError

API_KEY_PREFIX = "eg"
_LOOKUP_ALPHABET = string.ascii_lowercase + string.digits
# A key's last_used_at is written at most this often, so auth costs no write per request.
LAST_USED_RESOLUTION = timedelta(seconds=60)
INVITATION_LIFETIME = timedelta(days=7)


class AccountsError(DomainError):
    """A request that breaks a rule of the accounts domain; the message is for the caller."""


class AccountsPermissionError(AccountsError, DomainPermissionError):
    """The actor's role does not allow this change (APIs answer 403)."""


def api_key_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def user_get_or_create(*, email: str) -> User:
    email = email_normalize(email)
    user = User.objects.filter(email=email).first()
    return user or User.objects.create_user(email=email)


@transaction.atomic
def user_language_set(*, user: User, language: str) -> None:
    """The dashboard's language for `user` from now on ("" follows the browser)."""
    user.language = language
    user.save(update_fields=["language"])


def organization_create(*, name: str, owner: User) -> Organization:
    organization = Organization.objects.create(name=name)
    Membership.objects.create(organization=organization, user=owner, role=Role.OWNER)
    return organization


def project_create(*, organization: Organization, name: str, description: str | None = None):
    if not name.strip():
        raise AccountsError("A project needs a name.")
    return Project.objects.create(
        organization=organization, name=name, description=description or ""
    )


@transaction.atomic
def project_create_for_user(*, user: User, name: str) -> Project:
    """A project in the first organization the user manages, or in a new personal one."""
    organization = (
        Organization.objects.filter(memberships__user=user, memberships__role__in=MANAGER_ROLES)
        .order_by("created_at", "id")
        .first()
    )
    if organization is None:
        organization = organization_create(name=f"{user.email}'s organization", owner=user)
    return project_create(organization=organization, name=name)


PROJECT_EDITABLE_FIELDS = (
    "name",
    "description",
    "custom_instructions",
    "agent_custom_instructions",
    "custom_categories",
    "multilingual",
    "decay",
    "memory_depth",
    "usecase_setting",
    "inclusion_prompt",
    "exclusion_prompt",
    "retrieval_criteria",
    "rate_limit_per_minute",
)

_TEXT_FIELDS = {
    "description",
    "custom_instructions",
    "agent_custom_instructions",
    "memory_depth",
    "usecase_setting",
    "inclusion_prompt",
    "exclusion_prompt",
}


def project_update(*, project: Project, changes: dict) -> Project:
    """Apply already-validated `changes`; keys outside PROJECT_EDITABLE_FIELDS are ignored."""
    fields = [field for field in PROJECT_EDITABLE_FIELDS if field in changes]
    for field in fields:
        value = changes[field]
        if value is None and field in _TEXT_FIELDS:
            value = ""  # text settings are cleared with "" or null alike
        setattr(project, field, value)
    if fields:
        project.save(update_fields=[*fields, "updated_at"])
        api_keys_changed()  # API requests read these settings from the key's cached project
    return project


def project_delete(*, project: Project) -> None:
    project.delete()
    api_keys_changed()


def project_set_suspended(*, project: Project, suspended: bool) -> Project:
    project.suspended_at = timezone.now() if suspended else None
    project.save(update_fields=["suspended_at", "updated_at"])
    api_keys_changed()
    return project


# --- members: who may change whom --------------------------------------------------------------


def member_change_refusal(
    *,
    actor_role: str | None,
    target_role: str | None = None,
    new_role: str | None = None,
    is_self: bool = False,
    other_owners: int = 1,
) -> AccountsError | None:
    """Why an actor with `actor_role` may not make a change, as the error to raise; None if
    they may. The one place the member rules live: services enforce it and the dashboard asks
    it which controls to show.

    A change is one of: give a new person `new_role` (add or invite: no `target_role`); set
    the `target_role` member's role to `new_role`; remove the `target_role` member (no
    `new_role`). `is_self`: the actor is the target. `other_owners`: OWNERs besides the target.
    """
    if actor_role not in MANAGER_ROLES:
        return AccountsPermissionError(
            _("Only an OWNER or an ADMIN manages members (your role is %(role)s).")
            % {"role": actor_role or "none"}
        )
    if is_self and new_role is not None:
        return AccountsPermissionError(
            _("Nobody changes their own role: ask another OWNER or ADMIN.")
        )
    if Role.OWNER in (target_role, new_role) and actor_role != Role.OWNER:
        return AccountsPermissionError(
            _("Only an OWNER may grant, change or remove the OWNER role.")
        )
    demoted = target_role == Role.OWNER and new_role != Role.OWNER
    if demoted and other_owners < 1:
        # A rule about the organization's state, not the actor: answered 400, not 403.
        return AccountsError(_("An organization needs at least one OWNER: promote someone first."))
    return None


def _actor_role_locked(*, organization: Organization, actor: User) -> str | None:
    """The actor's role, refused unless it manages members. It is read after locking the
    organization: member changes of one organization run one at a time, so two OWNERs cannot,
    say, demote each other at once and leave none."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    role = (
        Membership.objects.filter(organization=organization, user=actor)
        .values_list("role", flat=True)
        .first()
    )
    error = member_change_refusal(actor_role=role)
    if error is not None:
        raise error
    return role


def _check_change(
    *, actor: User, actor_role: str | None, target: Membership | None, new_role: str | None
) -> None:
    """Raise what `member_change_refusal` says about this change."""
    other_owners = 0
    if target is not None and target.role == Role.OWNER:
        owners = Membership.objects.filter(organization_id=target.organization_id, role=Role.OWNER)
        other_owners = owners.exclude(pk=target.pk).count()
    error = member_change_refusal(
        actor_role=actor_role,
        target_role=target.role if target else None,
        new_role=new_role,
        is_self=target is not None and target.user_id == actor.pk,
        other_owners=other_owners,
    )
    if error is not None:
        raise error


@transaction.atomic
def member_add(*, actor: User, organization: Organization, email: str, role: str) -> Membership:
    """Add a person by email (creating a login without a password if new)."""
    actor_role = _actor_role_locked(organization=organization, actor=actor)
    _check_change(actor=actor, actor_role=actor_role, target=None, new_role=role)
    user = user_get_or_create(email=email)
    if Membership.objects.filter(organization=organization, user=user).exists():
        raise AccountsError(_("%(email)s is already a member.") % {"email": user.email})
    membership = Membership.objects.create(organization=organization, user=user, role=role)
    api_keys_changed()  # keys they created while a member before carry their role
    return membership


@transaction.atomic
def member_set_role(
    *, actor: User, organization: Organization, email: str, role: str
) -> Membership:
    actor_role = _actor_role_locked(organization=organization, actor=actor)
    membership = _membership_for_update(organization=organization, email=email)
    _check_change(actor=actor, actor_role=actor_role, target=membership, new_role=role)
    membership.role = role
    membership.save(update_fields=["role"])
    api_keys_changed()  # their keys carry the role
    return membership


@transaction.atomic
def member_remove(*, actor: User, organization: Organization, email: str) -> None:
    """Remove a member (or leave, when `email` is the actor's) and revoke the keys they created
    in this organization. The last OWNER cannot leave."""
    actor_role = _actor_role_locked(organization=organization, actor=actor)
    membership = _membership_for_update(organization=organization, email=email)
    _check_change(actor=actor, actor_role=actor_role, target=membership, new_role=None)
    ApiKey.objects.filter(
        project__organization=organization, created_by=membership.user, revoked_at=None
    ).update(revoked_at=timezone.now())
    membership.delete()
    api_keys_changed()


def _membership_for_update(*, organization: Organization, email: str) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(organization=organization, user__email__iexact=email.strip())
        .first()
    )
    if membership is None:
        raise AccountsError(_("%(email)s is not a member of this project.") % {"email": email})
    return membership


@transaction.atomic
def invitation_create(
    *, organization: Organization, email: str, role: str, invited_by: User
) -> tuple[Invitation, str]:
    """Invite `email` with `role`; returns the invitation and its token, which is never stored.

    Inviting is giving a role: `invited_by` must be allowed to add a member with it. A new
    invitation replaces the email's earlier pending ones, so only the latest link works.
    """
    email = email_normalize(email)
    if role not in Role.values:
        raise AccountsError(f"The role must be one of {', '.join(Role.values)}.")
    actor_role = _actor_role_locked(organization=organization, actor=invited_by)
    _check_change(actor=invited_by, actor_role=actor_role, target=None, new_role=role)
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise AccountsError(_("%(email)s is already a member.") % {"email": email})
    now = timezone.now()
    _pending(organization.invitations.filter(email__iexact=email)).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        digest=api_key_digest(token),
        invited_by=invited_by,
        expires_at=now + INVITATION_LIFETIME,
    )
    return invitation, token


def _pending(invitations):
    return invitations.filter(accepted_at=None, revoked_at=None, expires_at__gt=timezone.now())


def invitation_revoke(*, invitation: Invitation) -> Invitation:
    if invitation.accepted_at is not None:
        raise AccountsError(
            _("%(email)s has already accepted this invitation.") % {"email": invitation.email}
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def invitation_problem(*, invitation: Invitation | None, user: User) -> str:
    """Why `user` may not accept `invitation` (for the accept page and service), or ""."""
    if invitation is None or invitation.revoked_at is not None:
        return _("This invitation link is not valid: it may have been revoked.")
    if invitation.accepted_at is not None:
        return _("This invitation has already been used.")
    if invitation.expires_at <= timezone.now():
        return _("This invitation has expired: ask for a new one.")
    if invitation.email.lower() != user.email.lower():
        return _(
            "This invitation is for %(invited)s, but you are signed in as %(email)s. "
            "Log in with the invited address to accept it."
        ) % {"invited": invitation.email, "email": user.email}
    return ""


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """Join the invitation's organization with its role; the user's email must be the invited one.

    Someone who is already a member keeps their role (the invitation is still used up).
    """
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(digest=api_key_digest(token))
        .first()
    )
    problem = invitation_problem(invitation=invitation, user=user)
    if problem:
        raise AccountsError(problem)
    membership, created = Membership.objects.get_or_create(
        organization=invitation.organization, user=user, defaults={"role": invitation.role}
    )
    if created:
        api_keys_changed()
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


def api_key_create(
    *,
    project: Project,
    created_by: User | None,
    name: str = "",
    scopes: list[str] | tuple[str, ...] = (Scope.READ, Scope.WRITE),
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with its plaintext, which is never stored nor shown again."""
    unknown = set(scopes) - set(Scope.values)
    if unknown or not scopes:
        raise AccountsError(f"Scopes must be among {', '.join(Scope.values)}.")
    prefix = "".join(secrets.choice(_LOOKUP_ALPHABET) for _ in range(12))
    plaintext = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        project=project,
        name=name,
        prefix=prefix,
        digest=api_key_digest(plaintext),
        scopes=sorted(set(scopes)),
        created_by=created_by,
        expires_at=expires_at,
    )
    return api_key, plaintext


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        api_keys_changed()
    return api_key


def api_key_set_suspended(*, api_key: ApiKey, suspended: bool) -> ApiKey:
    """Staff moderation: a suspended key is refused (401) until restored; revocation is final."""
    api_key.suspended_at = timezone.now() if suspended else None
    api_key.save(update_fields=["suspended_at"])
    api_keys_changed()
    return api_key


def api_key_touch(*, api_key: ApiKey) -> None:
    """Record use, at most once per LAST_USED_RESOLUTION, with a conditional UPDATE."""
    now = timezone.now()
    if api_key.last_used_at and now - api_key.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiKey.objects.filter(pk=api_key.pk).exclude(
        last_used_at__gte=now - LAST_USED_RESOLUTION
    ).update(last_used_at=now)
    api_key.last_used_at = now
    last_use_remember(digest=api_key.digest, last_used_at=now)


@transaction.atomic
def api_key_bootstrap(
    *, email: str, organization_name: str, project_name: str, scopes: list[str], name: str = ""
) -> tuple[ApiKey, str]:
    """Create whatever is missing (user, organization, membership, project) and a new key."""
    user = user_get_or_create(email=email)
    organization = Organization.objects.filter(
        name=organization_name, memberships__user=user
    ).first() or organization_create(name=organization_name, owner=user)
    if not Membership.objects.filter(organization=organization, user=user).exists():
        Membership.objects.create(organization=organization, user=user, role=Role.OWNER)
        api_keys_changed()
    project = organization.projects.filter(name=project_name).first() or project_create(
        organization=organization, name=project_name
    )
    return api_key_create(project=project, created_by=user, name=name, scopes=scopes)


@transaction.atomic
def user_signup(*, email: str, password: str) -> tuple[User, Project]:
    """A new login with a personal organization and a first project, "default"."""
    user = User.objects.create_user(email=email, password=password)
    organization = organization_create(name=f"{user.email}'s organization", owner=user)
    return user, project_create(organization=organization, name="default")
