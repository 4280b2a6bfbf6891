from django.urls import path

from memories.webhooks import api

urlpatterns = [
    path(
        "api/v1/webhooks/projects/<str:project_id>/",
        api.WebhookListApi.as_view(),
        name="webhook-list",
    ),
    path(
        "api/v1/webhooks/<str:webhook_id>/", api.WebhookDetailApi.as_view(), name="webhook-detail"
    ),
]
