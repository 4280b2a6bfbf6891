"""Dashboard routes of the operations screens: events, request log, webhooks."""

from django.urls import path

from memories.views import events, request_log, webhooks

PROJECT = "dashboard/<str:org_id>/<str:project_id>/"
EVENT = PROJECT + "events/<uuid:event_id>/"
WEBHOOK = PROJECT + "webhooks/<str:webhook_id>/"

urlpatterns = [
    path(PROJECT + "events/", events.event_list, name="dashboard-events"),
    path(EVENT, events.event_detail, name="dashboard-event-detail"),
    path(EVENT + "retry/", events.event_retry_view, name="dashboard-event-retry"),
    path(PROJECT + "requests/", request_log.request_list, name="dashboard-requests"),
    path(PROJECT + "webhooks/", webhooks.webhook_list, name="dashboard-webhooks"),
    path(WEBHOOK, webhooks.webhook_detail, name="dashboard-webhook-detail"),
    path(WEBHOOK + "delete/", webhooks.webhook_remove, name="dashboard-webhook-delete"),
    path(WEBHOOK + "rotate/", webhooks.webhook_rotate, name="dashboard-webhook-rotate"),
    path(WEBHOOK + "test/", webhooks.webhook_test, name="dashboard-webhook-test"),
]
