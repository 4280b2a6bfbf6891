"""Every dashboard screen: a project's (`dashboard/<org>/<project>/…`) and staff moderation
(`staff/moderation/…`). Names are `dashboard:<entity>-<action>`. Signing in, signing up and the
`/dashboard/` landing page are accounts' (accounts/urls.py)."""

from django.urls import path

from dashboard.views import (
    entities,
    events,
    keys,
    mcp,
    members,
    moderation,
    overview,
    playground,
    project_settings,
    request_log,
    webhooks,
)

app_name = "dashboard"

PROJECT = "dashboard/<str:org_id>/<str:project_id>/"
ENTITY = PROJECT + "entities/<str:entity_type>/<path:name>/"
ENTITY_ACTION = PROJECT + "entities/{action}/<str:entity_type>/<path:name>/"
MEMORY = ENTITY + "memories/<uuid:memory_id>/"
EVENT = PROJECT + "events/<uuid:event_id>/"
WEBHOOK = PROJECT + "webhooks/<str:webhook_id>/"
MEMBERS = PROJECT + "members/"
STAFF = "staff/moderation/"

urlpatterns = [
    path(PROJECT, overview.overview, name="overview"),
    # --- entities and their memories
    path(PROJECT + "entities/", entities.entity_list, name="entity-list"),
    path(MEMORY, entities.memory_view, name="memory-detail"),
    path(MEMORY + "edit/", entities.memory_edit, name="memory-edit"),
    path(MEMORY + "delete/", entities.memory_remove, name="memory-delete"),
    path(MEMORY + "history/", entities.memory_history, name="memory-history"),
    # Actions come before the name: names may hold "/", so "<name>/delete/" would make an
    # entity called "x/delete" unreachable. "delete" and "add" are not entity types.
    path(ENTITY_ACTION.format(action="delete"), entities.entity_remove, name="entity-delete"),
    path(ENTITY_ACTION.format(action="add"), entities.memory_add, name="memory-add"),
    # Memory routes first, the bare entity last: `<path:name>` would also match the longer URLs.
    path(ENTITY, entities.entity_detail, name="entity-detail"),
    path(
        PROJECT + "memories/<uuid:memory_id>/report/",
        moderation.memory_report,
        name="memory-report",
    ),
    path(PROJECT + "search/", playground.search_playground, name="search"),
    # --- operations
    path(PROJECT + "events/", events.event_list, name="event-list"),
    path(EVENT, events.event_detail, name="event-detail"),
    path(EVENT + "retry/", events.event_retry_view, name="event-retry"),
    path(PROJECT + "requests/", request_log.request_list, name="request-list"),
    path(PROJECT + "webhooks/", webhooks.webhook_list, name="webhook-list"),
    path(WEBHOOK, webhooks.webhook_detail, name="webhook-detail"),
    path(WEBHOOK + "delete/", webhooks.webhook_remove, name="webhook-delete"),
    path(WEBHOOK + "rotate/", webhooks.webhook_rotate, name="webhook-rotate"),
    path(WEBHOOK + "test/", webhooks.webhook_test, name="webhook-test"),
    # --- the project's keys, people and settings
    path(PROJECT + "keys/", keys.key_list, name="key-list"),
    path(PROJECT + "keys/<str:prefix>/revoke/", keys.key_revoke, name="key-revoke"),
    path(PROJECT + "mcp/", mcp.mcp_connect, name="mcp-connect"),
    path(MEMBERS, members.member_list, name="member-list"),
    path(MEMBERS + "role/", members.member_role, name="member-role"),
    path(MEMBERS + "remove/", members.member_remove, name="member-remove"),
    path(MEMBERS + "invitations/", members.invitation_new, name="invitation-create"),
    path(
        MEMBERS + "invitations/<int:invitation_id>/revoke/",
        members.invitation_cancel,
        name="invitation-revoke",
    ),
    path(PROJECT + "settings/", project_settings.project_settings, name="project-settings"),
    # --- staff moderation (all tenants)
    path(STAFF, moderation.queue, name="moderation-queue"),
    path(STAFF + "flags/<int:flag_id>/", moderation.flag_resolve, name="moderation-flag-resolve"),
    path(STAFF + "rules/", moderation.rules, name="moderation-rules"),
    path(
        STAFF + "rules/<int:rule_id>/toggle/",
        moderation.rule_toggle,
        name="moderation-rule-toggle",
    ),
    path(
        STAFF + "rules/<int:rule_id>/delete/",
        moderation.rule_delete,
        name="moderation-rule-delete",
    ),
    path(STAFF + "accounts/", moderation.accounts, name="moderation-accounts"),
    path(
        STAFF + "accounts/projects/<str:project_public_id>/",
        moderation.project_suspension,
        name="moderation-project-suspension",
    ),
    path(
        STAFF + "accounts/keys/<int:key_id>/",
        moderation.api_key_suspension,
        name="moderation-key-suspension",
    ),
    path(STAFF + "audit/", moderation.audit, name="moderation-audit"),
]
