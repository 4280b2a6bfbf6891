"""Admin views of moderation data; staff work in the moderation screens, this is the fallback."""

from __future__ import annotations

from django.contrib import admin

from memories.models_moderation import AuditLog, Flag, ModerationRule


@admin.register(ModerationRule)
class ModerationRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "validator", "active", "updated_at")
    list_filter = ("kind", "active")


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ("id", "source", "status", "project", "created_at", "resolution")
    list_filter = ("status", "source", "resolution")
    list_select_related = ("project__organization",)
    raw_id_fields = ("memory", "project", "reported_by", "resolved_by")


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by the moderation services only."""

    list_display = ("created_at", "actor_email", "action", "target_type", "target_id", "reason")
    list_filter = ("action",)
    search_fields = ("actor_email", "target_id", "reason")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
