"""Webhook routes of API-CONTRACT §5.17 (`get_webhooks`, `create_webhook`, `update_webhook`,
`delete_webhook` of the SDKs)."""

from __future__ import annotations

from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from accounts.api.base import ProjectScopedApi
from memories.models_webhooks import Webhook
from memories.webhooks import selectors, services

WEBHOOK_NOT_FOUND = "Webhook not found"
PROJECT_NOT_FOUND = "Project not found"


def webhook_output(webhook: Webhook) -> dict:
    creator = webhook.created_by.created_by if webhook.created_by else None
    return {
        "webhook_id": webhook.webhook_id,
        "name": webhook.name,
        "url": webhook.url,
        "owner": creator.username if creator else "",
        "event_types": webhook.event_types,
        "project": webhook.project.name,
        "is_active": webhook.is_active,
        "created_at": webhook.created_at.isoformat(),
        "updated_at": webhook.updated_at.isoformat(),
    }


class WebhookListApi(ProjectScopedApi):
    """GET lists, POST creates; the project in the path must be the key's own."""

    class InputSerializer(serializers.Serializer):
        url = serializers.CharField(max_length=2000)
        name = serializers.CharField(max_length=200)
        event_types = serializers.ListField(child=serializers.CharField(), allow_empty=False)
        is_active = serializers.BooleanField(required=False, default=True)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if kwargs.get("project_id") != self.project.public_id:
            raise exceptions.NotFound(PROJECT_NOT_FOUND)

    def get(self, request, project_id):
        webhooks = selectors.webhook_list(project=self.project)
        return Response([webhook_output(webhook) for webhook in webhooks])

    def post(self, request, project_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        webhook = services.webhook_create(
            project=self.project, created_by=request.auth, **data.validated_data
        )
        # The signing secret is shown here once; GET never returns it.
        body = {**webhook_output(webhook), "secret": webhook.secret}
        return Response(body, status=status.HTTP_201_CREATED)


class WebhookDetailApi(ProjectScopedApi):
    class UpdateSerializer(serializers.Serializer):
        url = serializers.CharField(max_length=2000, required=False)
        name = serializers.CharField(max_length=200, required=False)
        event_types = serializers.ListField(
            child=serializers.CharField(), allow_empty=False, required=False
        )
        is_active = serializers.BooleanField(required=False)

    def put(self, request, webhook_id):
        webhook = self._webhook(webhook_id)
        data = self.UpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.webhook_update(webhook=webhook, changes=data.validated_data)
        return Response({"message": "Webhook updated successfully"})

    def delete(self, request, webhook_id):
        services.webhook_delete(webhook=self._webhook(webhook_id))
        return Response({"message": "Webhook deleted successfully"})

    def _webhook(self, webhook_id: str) -> Webhook:
        webhook = selectors.webhook_get(project=self.project, webhook_id=webhook_id)
        if webhook is None:
            raise exceptions.NotFound(WEBHOOK_NOT_FOUND)
        return webhook
