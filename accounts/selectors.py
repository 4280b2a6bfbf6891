"""Reads for organizations, projects, members and API keys."""

from __future__ import annotations

import hmac

from django.db.models import Case, CharField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Now

from accounts import auth_cache
from accounts.models import (
    MANAGER_ROLES,
    ApiKey,
    Invitation,
    Membership,
    Organization,
    Project,
    User,
)
from accounts.services import API_KEY_PREFIX, api_key_digest


def api_key_get_by_plaintext(*, plaintext: str) -> ApiKey | None:
    """The key whose digest matches `plaintext`, compared in constant time; None if unknown."""
    marker, _, rest = plaintext.partition("_")
    prefix, _, secret = rest.partition("_")
    if marker != API_KEY_PREFIX or not prefix or not secret:
        return None
    # The creator's role comes along in the same query: writes check it on every request.
    role = Membership.objects.filter(
        organization=OuterRef("project__organization"), user=OuterRef("created_by")
    ).values("role")[:1]
    api_key = (
        ApiKey.objects.select_related("project__organization", "created_by")
        .annotate(creator_role=Subquery(role))
        .filter(prefix=prefix)
        .first()
    )
    if api_key is None or not hmac.compare_digest(api_key.digest, api_key_digest(plaintext)):
        return None
    return api_key


def api_key_get_cached(*, plaintext: str, version: str | None = None) -> ApiKey | None:
    """`api_key_get_by_plaintext`, answered from the per-process auth cache while Redis's auth
    version is unchanged and the entry is younger than AUTH_CACHE_SECONDS (accounts.auth_cache).
    `version` is the auth version if the caller has just read it.

    Each call returns its own copy. Unknown keys are never cached, so garbage cannot fill memory.
    """
    if not auth_cache.enabled():
        return api_key_get_by_plaintext(plaintext=plaintext)
    # Read BEFORE loading: a change after this point retires the entry.
    version = version or auth_cache.auth_version()
    if version is None:
        return api_key_get_by_plaintext(plaintext=plaintext)
    digest = api_key_digest(plaintext)
    api_key = auth_cache.cached_get(digest=digest, version=version)
    if api_key is None:
        api_key = api_key_get_by_plaintext(plaintext=plaintext)
        if api_key is not None:
            auth_cache.remember(digest=digest, version=version, api_key=api_key)
    return api_key


def project_members(*, project: Project) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization_id=project.organization_id)
        .select_related("user")
        .order_by("created_at")
    )


def projects_for_user(*, user: User) -> QuerySet[Project]:
    return Project.objects.filter(organization__memberships__user=user).select_related(
        "organization"
    )


def project_membership_get(
    *, user: User, org_public_id: str, project_public_id: str
) -> tuple[Project, str] | None:
    """The project and the user's role in its organization, in one query; None for outsiders."""
    role = Membership.objects.filter(organization=OuterRef("organization"), user=user).values(
        "role"
    )[:1]
    project = (
        Project.objects.select_related("organization")
        .annotate(member_role=Subquery(role))
        .filter(public_id=project_public_id, organization__public_id=org_public_id)
        .first()
    )
    if project is None or project.member_role is None:
        return None
    return project, project.member_role


def dashboard_projects(*, user: User) -> QuerySet[Project]:
    """The user's projects for the switcher, grouped by organization (oldest first)."""
    return projects_for_user(user=user).order_by(
        "organization__created_at", "organization_id", "created_at", "id"
    )


def manageable_organizations(*, user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(
        memberships__user=user, memberships__role__in=MANAGER_ROLES
    ).order_by("created_at", "id")


def api_keys_for_project(*, project: Project) -> QuerySet[ApiKey]:
    """The project's keys, newest first, each annotated with `state` (what a request would meet:
    revoked, suspended, expired or active, in that order)."""
    state = Case(
        When(revoked_at__isnull=False, then=Value("revoked")),
        When(suspended_at__isnull=False, then=Value("suspended")),
        When(expires_at__lte=Now(), then=Value("expired")),
        default=Value("active"),
        output_field=CharField(),
    )
    return (
        ApiKey.objects.filter(project=project)
        .select_related("created_by")
        .annotate(state=state)
        .order_by("-created_at", "-id")
    )


def api_key_get(*, project: Project, prefix: str) -> ApiKey | None:
    return api_keys_for_project(project=project).filter(prefix=prefix).first()


def invitations_pending(*, project: Project) -> QuerySet[Invitation]:
    """Invitations into the project's organization not yet accepted, revoked nor expired."""
    return (
        Invitation.objects.filter(
            organization_id=project.organization_id,
            accepted_at=None,
            revoked_at=None,
            expires_at__gt=Now(),
        )
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )


def invitation_get(*, project: Project, invitation_id: int) -> Invitation | None:
    return Invitation.objects.filter(
        organization_id=project.organization_id, pk=invitation_id
    ).first()


def invitation_get_by_token(*, token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(digest=api_key_digest(token))
        .first()
    )


def user_exists(*, email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()


def organization_first_project(*, organization: Organization) -> Project | None:
    return (
        Project.objects.select_related("organization")
        .filter(organization=organization)
        .order_by("created_at", "id")
        .first()
    )
