"""Reads of the staff moderation screens.

The one deliberate exception to "every query starts from the project": staff moderate all
tenants, so these take an optional project filter instead. Only staff views may call them.
"""

from __future__ import annotations

from django.db.models import Max, Prefetch, Q
from django.db.models.functions import Greatest

from accounts.models import ApiKey, Project
from memories.models_moderation import AuditLog, Flag, FlagStatus, ModerationRule, RuleKind
from memories.services.moderation_checks import blocked_words


def flags_open_page(
    *, source: str = "", project_public_id: str = "", offset: int = 0, limit: int = 50
) -> list[Flag]:
    """Open flags, newest first, with memory, project, organization and reporter joined in.

    Returns up to `limit + 1` rows so the caller can tell whether another page follows.
    """
    flags = Flag.objects.filter(status=FlagStatus.OPEN).select_related(
        "memory", "project__organization", "reported_by"
    )
    if source:
        flags = flags.filter(source=source)
    if project_public_id:
        flags = flags.filter(project__public_id=project_public_id)
    return list(flags.order_by("-created_at", "-id")[offset : offset + limit + 1])


def flag_open_get(*, flag_id: int) -> Flag | None:
    return (
        Flag.objects.filter(pk=flag_id)
        .select_related("memory", "project__organization", "reported_by")
        .first()
    )


def _with_words(rule: ModerationRule) -> ModerationRule:
    """`rule.words`: a blocked-words rule's words, as matching splits its pattern (newlines
    or commas; shown as the raw pattern, "jazz\nparis" would read as one phrase), else None."""
    rule.words = blocked_words(rule.pattern) if rule.kind == RuleKind.BLOCKED_WORDS else None
    return rule


def moderation_rules() -> list[ModerationRule]:
    return [_with_words(rule) for rule in ModerationRule.objects.order_by("name")]


def moderation_rule_get(*, rule_id: int) -> ModerationRule | None:
    rule = ModerationRule.objects.filter(pk=rule_id).first()
    return _with_words(rule) if rule else None


def projects_search(*, q: str, limit: int = 20) -> list[Project]:
    """Projects whose name, public id or organization matches, each with its keys prefetched."""
    q = q.strip()
    if not q:
        return []
    keys = ApiKey.objects.order_by("-created_at")
    return list(
        Project.objects.filter(
            Q(name__icontains=q)
            | Q(public_id=q)
            | Q(organization__public_id=q)
            | Q(organization__name__icontains=q)
        )
        .select_related("organization")
        .prefetch_related(Prefetch("api_keys", queryset=keys))
        .order_by("organization__name", "name", "id")[:limit]
    )


def projects_recent(*, limit: int = 20) -> list[Project]:
    """The projects created or given a key most recently, newest first, keys prefetched: what
    the keys and projects screen shows before anything is searched."""
    latest = Greatest("created_at", Max("api_keys__created_at"))
    return list(
        Project.objects.annotate(latest=latest)
        .select_related("organization")
        .prefetch_related(Prefetch("api_keys", queryset=ApiKey.objects.order_by("-created_at")))
        .order_by("-latest", "-id")[:limit]
    )


def project_by_public_id(*, public_id: str) -> Project | None:
    return (
        Project.objects.filter(public_id=public_id)
        .select_related("organization")
        .prefetch_related(Prefetch("api_keys", queryset=ApiKey.objects.order_by("-created_at")))
        .first()
    )


def api_key_by_id(*, key_id: int) -> ApiKey | None:
    return ApiKey.objects.filter(pk=key_id).select_related("project__organization").first()


def audit_page(*, action: str = "", actor: str = "", offset: int = 0, limit: int = 50):
    """Audit rows newest first (up to `limit + 1`), by action and actor email (substring)."""
    rows = AuditLog.objects.select_related("project__organization")
    if action:
        rows = rows.filter(action=action)
    if actor:
        rows = rows.filter(actor_email__icontains=actor.strip())
    return list(rows.order_by("-created_at", "-id")[offset : offset + limit + 1])
