"""Staff moderation: flagged memories, write-time rules, and the audit log of staff actions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Project


class FlagSource(models.TextChoices):
    FEEDBACK = "feedback"  # NEGATIVE / VERY_NEGATIVE feedback through the API
    REPORT = "report"  # a member pressed "Report" in the dashboard
    RULE = "rule"  # the text matched a ModerationRule when written


class FlagStatus(models.TextChoices):
    OPEN = "open"
    RESOLVED = "resolved"


class Resolution(models.TextChoices):
    APPROVED = "approved"
    EDITED = "edited"
    ARCHIVED = "archived"
    DELETED = "deleted"


class Flag(models.Model):
    """A memory waiting for (or having had) a staff decision."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    # CASCADE: deleting a memory means its text is gone, so the snapshot below goes too.
    # What staff decided stays in AuditLog, which holds no memory text.
    memory = models.ForeignKey("memories.Memory", on_delete=models.CASCADE, related_name="flags")
    memory_text = models.TextField()  # the text when flagged; the memory may change later
    source = models.CharField(max_length=10, choices=FlagSource.choices)
    reason = models.CharField(max_length=1000, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True)

    class Meta:
        indexes = [
            # The queue: open flags newest first, optionally of one source or one project.
            models.Index(
                fields=["-created_at", "-id"],
                condition=models.Q(status="open"),
                name="flag_open_created",
            ),
            models.Index(
                fields=["source", "-created_at"],
                condition=models.Q(status="open"),
                name="flag_open_source_created",
            ),
            models.Index(fields=["project", "status", "-created_at"], name="flag_project_status"),
            models.Index(fields=["memory", "status"], name="flag_memory_status"),
        ]

    def __str__(self) -> str:
        return f"{self.source} flag on {self.memory_id} ({self.status})"


class RuleKind(models.TextChoices):
    REGEX = "regex"
    BLOCKED_WORDS = "blocked_words"  # pattern: words or phrases, one per line or comma-separated


class RuleValidator(models.TextChoices):
    """A check each regex match must also pass, to keep false positives down."""

    NONE = "", "none"
    LUHN = "luhn", "Luhn checksum (card numbers)"
    IBAN = "iban", "IBAN mod-97 checksum"


class ModerationRule(models.Model):
    """A global, staff-managed rule; memories whose text matches it are flagged when written."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=15, choices=RuleKind.choices, default=RuleKind.REGEX)
    pattern = models.TextField(blank=True)
    validator = models.CharField(
        max_length=10, choices=RuleValidator.choices, default=RuleValidator.NONE, blank=True
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class AuditAction(models.TextChoices):
    FLAG_APPROVE = "flag_approve"
    FLAG_EDIT = "flag_edit"
    FLAG_ARCHIVE = "flag_archive"
    FLAG_DELETE = "flag_delete"
    RULE_CREATE = "rule_create"
    RULE_ENABLE = "rule_enable"
    RULE_DISABLE = "rule_disable"
    RULE_DELETE = "rule_delete"
    API_KEY_SUSPEND = "api_key_suspend"
    API_KEY_RESTORE = "api_key_restore"
    PROJECT_SUSPEND = "project_suspend"
    PROJECT_RESTORE = "project_restore"


class AuditLog(models.Model):
    """One staff moderation action. Never holds memory text (deletions must erase it)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)  # survives the user's deletion
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    target_type = models.CharField(max_length=20)  # memory, rule, api_key, project
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=255, blank=True)
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="audit_created"),
            models.Index(fields=["action", "-created_at"], name="audit_action_created"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_created"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id} by {self.actor_email}"
