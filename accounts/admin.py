from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.auth_cache import api_keys_changed
from accounts.models import ApiKey, Membership, Organization, Project, RequestLog, User


class ChangesApiKeysMixin:
    """Admin edits bypass the services: API requests authenticate from a per-process cache of each
    key with its project, organization, creator and role, which every change must retire."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        api_keys_changed()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # inlines: memberships
        api_keys_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        api_keys_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        api_keys_changed()


@admin.register(User)
class UserAdmin(ChangesApiKeysMixin, DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "name", "is_staff", "is_active", "date_joined")
    search_fields = ("email", "name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    autocomplete_fields = ("user",)
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(ChangesApiKeysMixin, admin.ModelAdmin):
    list_display = ("name", "public_id", "created_at")
    search_fields = ("name", "public_id")
    readonly_fields = ("public_id",)
    inlines = [MembershipInline]


@admin.register(Project)
class ProjectAdmin(ChangesApiKeysMixin, admin.ModelAdmin):
    list_display = ("name", "public_id", "organization", "suspended_at", "created_at")
    list_filter = ("suspended_at",)
    search_fields = ("name", "public_id", "organization__name")
    readonly_fields = ("public_id", "created_at", "updated_at")
    list_select_related = ("organization",)


@admin.register(ApiKey)
class ApiKeyAdmin(ChangesApiKeysMixin, admin.ModelAdmin):
    """Keys appear by prefix only: the digest is never displayed, the plaintext never stored."""

    list_display = (
        "display",
        "name",
        "project",
        "scopes",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "name", "project__name")
    list_select_related = ("project",)
    exclude = ("digest",)
    readonly_fields = ("display", "prefix", "project", "created_by", "created_at", "last_used_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # a key's plaintext can only be shown where it is created: the dashboard

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        from accounts.services import api_key_revoke

        for api_key in queryset:
            api_key_revoke(api_key=api_key)


@admin.register(RequestLog)
class RequestLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "method", "path", "status", "latency_ms", "project", "api_key")
    list_filter = ("status", "method")
    list_select_related = ("project", "api_key")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
