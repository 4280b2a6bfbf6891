"""Staff moderation screens, and the member's "Report" button (see memories/views/moderation.py)."""

from django.urls import path

from memories.views import moderation

STAFF = "staff/moderation/"

urlpatterns = [
    path(STAFF, moderation.queue, name="moderation-queue"),
    path(f"{STAFF}flags/<int:flag_id>/", moderation.flag_resolve, name="moderation-flag-resolve"),
    path(f"{STAFF}rules/", moderation.rules, name="moderation-rules"),
    path(
        f"{STAFF}rules/<int:rule_id>/toggle/",
        moderation.rule_toggle,
        name="moderation-rule-toggle",
    ),
    path(
        f"{STAFF}rules/<int:rule_id>/delete/",
        moderation.rule_delete,
        name="moderation-rule-delete",
    ),
    path(f"{STAFF}accounts/", moderation.accounts, name="moderation-accounts"),
    path(
        f"{STAFF}accounts/projects/<str:project_public_id>/",
        moderation.project_suspension,
        name="moderation-project-suspension",
    ),
    path(
        f"{STAFF}accounts/keys/<int:key_id>/",
        moderation.api_key_suspension,
        name="moderation-key-suspension",
    ),
    path(f"{STAFF}audit/", moderation.audit, name="moderation-audit"),
    path(
        "dashboard/<str:org_id>/<str:project_id>/memories/<uuid:memory_id>/report/",
        moderation.memory_report,
        name="dashboard-memory-report",
    ),
]
