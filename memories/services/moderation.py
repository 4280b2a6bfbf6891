"""Staff moderation: resolving flags, managing rules, suspending keys and projects.

Every action takes the acting staff user and writes exactly one AuditLog row in the same
transaction. Audit rows name memories by id only: a deleted memory's text must be gone.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiKey, Project, User
from accounts.services import api_key_set_suspended, project_set_suspended
from config.errors import DomainError
from memories.models import ENTITY_ID_FIELDS, Memory
from memories.models_moderation import (
    AuditAction,
    AuditLog,
    Flag,
    FlagSource,
    FlagStatus,
    ModerationRule,
    Resolution,
    RuleKind,
    RuleValidator,
)
from memories.services.memories import (
    Actor,
    MemoryRuleError,
    memory_archive,
    memory_delete,
    memory_update,
)
from memories.services.moderation_checks import (  # noqa: F401 - re-exported
    memories_flags_check,
    memory_flags_check,
    rule_compile,
    rules_cache_clear,
    text_rule_matches,
)

MAX_PATTERN = 2000


class ModerationError(DomainError):
    """A moderation action that cannot be done; the message is for the staff user."""


def _target_repr(target: object) -> str:
    if isinstance(target, Memory):  # never the text: see the module docstring
        scope = [
            f"{name}={getattr(target, name)}" for name in ENTITY_ID_FIELDS if getattr(target, name)
        ]
        return f"memory ({', '.join(scope)})" if scope else "memory"
    return str(target)[:255]


def audit_write(
    *,
    actor: User,
    action: str,
    target: object,
    target_type: str,
    project: Project | None = None,
    reason: str = "",
    details: dict | None = None,
) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor,
        actor_email=actor.email,
        action=action,
        target_type=target_type,
        target_id=str(getattr(target, "public_id", None) or target.pk),
        target_repr=_target_repr(target)[:255],
        project=project,
        reason=reason,
        details=details or {},
    )


def _required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError(_("A reason is required."))
    return reason


# --- reports ----------------------------------------------------------------------------------


def memory_report(*, memory: Memory, user: User, reason: str) -> Flag:
    """A member's "Report" from the dashboard; reporting again updates their open report."""
    reason = _required(reason)[:1000]
    flag, _created = Flag.objects.update_or_create(
        memory=memory,
        source=FlagSource.REPORT,
        reported_by=user,
        status=FlagStatus.OPEN,
        defaults={"reason": reason, "memory_text": memory.text},
        create_defaults={
            "project_id": memory.project_id,
            "reason": reason,
            "memory_text": memory.text,
        },
    )
    return flag


# --- flags --------------------------------------------------------------------------------------


def _resolve(
    *, flag: Flag, actor: User, reason: str, resolution: str, action: str, details=None
) -> int:
    """Resolve every open flag of the flag's memory and audit it; returns how many."""
    resolved = Flag.objects.filter(memory_id=flag.memory_id, status=FlagStatus.OPEN).update(
        status=FlagStatus.RESOLVED,
        resolved_at=timezone.now(),
        resolved_by=actor,
        resolution=resolution,
    )
    audit_write(
        actor=actor,
        action=action,
        target=flag.memory,
        target_type="memory",
        project=flag.project,
        reason=reason,
        details={
            "flag_id": flag.pk,
            "source": flag.source,
            "resolved_flags": resolved,
            **(details or {}),
        },
    )
    return resolved


def _open_flag(flag: Flag) -> Flag:
    """The flag, locked, with its memory; refuses one another staff member resolved already."""
    locked = (
        Flag.objects.select_for_update(of=("self",))
        .select_related("memory", "project")
        .get(pk=flag.pk)
    )
    if locked.status != FlagStatus.OPEN:
        raise ModerationError(_("This flag was already resolved."))
    return locked


@transaction.atomic
def flag_approve(*, flag: Flag, actor: User, reason: str) -> int:
    """Keep the memory as it is."""
    reason, flag = _required(reason), _open_flag(flag)
    return _resolve(
        flag=flag,
        actor=actor,
        reason=reason,
        resolution=Resolution.APPROVED,
        action=AuditAction.FLAG_APPROVE,
    )


@transaction.atomic
def flag_edit(*, flag: Flag, actor: User, reason: str, text: str) -> int:
    """Rewrite the memory (with history, through memory_update); the new text must be clean."""
    reason, flag, text = _required(reason), _open_flag(flag), (text or "").strip()
    if not text:
        raise ModerationError(_("The new text cannot be empty."))
    if matched := text_rule_matches(text):
        raise ModerationError(
            _("The new text still matches: %(rules)s.") % {"rules": ", ".join(matched)}
        )
    try:
        memory_update(memory=flag.memory, actor=Actor(user=actor), text=text)
    except MemoryRuleError as error:
        raise ModerationError(str(error)) from error
    return _resolve(
        flag=flag,
        actor=actor,
        reason=reason,
        resolution=Resolution.EDITED,
        action=AuditAction.FLAG_EDIT,
    )


@transaction.atomic
def flag_archive(*, flag: Flag, actor: User, reason: str) -> int:
    """Hide the memory from every read (state=archived) without erasing it."""
    reason, flag = _required(reason), _open_flag(flag)
    memory_archive(memory=flag.memory, actor=Actor(user=actor))
    return _resolve(
        flag=flag,
        actor=actor,
        reason=reason,
        resolution=Resolution.ARCHIVED,
        action=AuditAction.FLAG_ARCHIVE,
    )


@transaction.atomic
def flag_delete(*, flag: Flag, actor: User, reason: str) -> int:
    """Delete the memory (through memory_delete); its flags and history go with it."""
    reason, flag = _required(reason), _open_flag(flag)
    resolved = _resolve(
        flag=flag,
        actor=actor,
        reason=reason,
        resolution=Resolution.DELETED,
        action=AuditAction.FLAG_DELETE,
    )
    memory_delete(memory=flag.memory)
    return resolved


FLAG_ACTIONS = {
    "approve": flag_approve,
    "archive": flag_archive,
    "delete": flag_delete,
}


# --- rules --------------------------------------------------------------------------------------


@transaction.atomic
def moderation_rule_create(
    *, actor: User, name: str, kind: str, pattern: str, validator: str = ""
) -> ModerationRule:
    name, pattern = name.strip(), pattern.strip()
    if kind not in RuleKind.values or validator not in RuleValidator.values:
        raise ModerationError(_("Unknown rule kind or validator."))
    if not name:
        raise ModerationError(_("A rule needs a name."))
    if ModerationRule.objects.filter(name__iexact=name).exists():
        raise ModerationError(_("A rule named %(name)s exists already.") % {"name": repr(name)})
    if len(pattern) > MAX_PATTERN:
        raise ModerationError(
            _("The pattern is longer than %(max)s characters.") % {"max": MAX_PATTERN}
        )
    try:
        rule_compile(kind=kind, pattern=pattern)
    except re.error as error:
        raise ModerationError(
            _("Invalid regular expression: %(error)s.") % {"error": error}
        ) from error
    rule = ModerationRule.objects.create(
        name=name, kind=kind, pattern=pattern, validator=validator if kind == RuleKind.REGEX else ""
    )
    audit_write(
        actor=actor,
        action=AuditAction.RULE_CREATE,
        target=rule,
        target_type="rule",
        details={"kind": kind, "pattern": pattern, "validator": rule.validator},
    )
    transaction.on_commit(rules_cache_clear)
    return rule


@transaction.atomic
def moderation_rule_set_active(
    *, actor: User, rule: ModerationRule, active: bool
) -> ModerationRule:
    rule.active = active
    rule.save(update_fields=["active", "updated_at"])
    action = AuditAction.RULE_ENABLE if active else AuditAction.RULE_DISABLE
    audit_write(actor=actor, action=action, target=rule, target_type="rule")
    transaction.on_commit(rules_cache_clear)
    return rule


@transaction.atomic
def moderation_rule_delete(*, actor: User, rule: ModerationRule) -> None:
    audit_write(
        actor=actor,
        action=AuditAction.RULE_DELETE,
        target=rule,
        target_type="rule",
        details={"kind": rule.kind, "pattern": rule.pattern},
    )
    rule.delete()
    transaction.on_commit(rules_cache_clear)


# --- keys and projects --------------------------------------------------------------------------


@transaction.atomic
def api_key_suspend(*, actor: User, api_key: ApiKey, reason: str, suspended: bool = True) -> ApiKey:
    """Suspend (401 on every call) or restore an API key."""
    reason = _required(reason)
    api_key_set_suspended(api_key=api_key, suspended=suspended)
    action = AuditAction.API_KEY_SUSPEND if suspended else AuditAction.API_KEY_RESTORE
    audit_write(
        actor=actor,
        action=action,
        target=api_key,
        target_type="api_key",
        project=api_key.project,
        reason=reason,
        details={"prefix": api_key.prefix},
    )
    return api_key


def api_key_restore(*, actor: User, api_key: ApiKey, reason: str) -> ApiKey:
    return api_key_suspend(actor=actor, api_key=api_key, reason=reason, suspended=False)


@transaction.atomic
def project_suspend(
    *, actor: User, project: Project, reason: str, suspended: bool = True
) -> Project:
    """Suspend (403 on every API call) or restore a project."""
    reason = _required(reason)
    project_set_suspended(project=project, suspended=suspended)
    action = AuditAction.PROJECT_SUSPEND if suspended else AuditAction.PROJECT_RESTORE
    audit_write(
        actor=actor,
        action=action,
        target=project,
        target_type="project",
        project=project,
        reason=reason,
    )
    return project


def project_restore(*, actor: User, project: Project, reason: str) -> Project:
    return project_suspend(actor=actor, project=project, reason=reason, suspended=False)
