from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet

from accounts.models import Project
from memories.models_webhooks import Webhook, WebhookDelivery, WebhookDeliveryStatus


def webhook_list(*, project: Project) -> QuerySet[Webhook]:
    return (
        Webhook.objects.filter(project=project)
        .select_related("project", "created_by__created_by")
        .order_by("created_at", "id")
    )


def webhook_get(*, project: Project, webhook_id: str) -> Webhook | None:
    """The project's webhook with this public id; None for unknown ids and other projects'."""
    return webhook_list(project=project).filter(webhook_id=str(webhook_id)).first()


def webhooks_subscribed(*, project: Project, event_type: str) -> QuerySet[Webhook]:
    return Webhook.objects.filter(
        project=project, is_active=True, event_types__contains=[event_type]
    ).order_by("id")


def webhook_deliveries(*, project: Project, webhook_id: str) -> QuerySet[WebhookDelivery]:
    """The delivery log of one webhook, newest first (for the dashboard)."""
    return WebhookDelivery.objects.filter(
        webhook__project=project, webhook__webhook_id=webhook_id
    ).order_by("-created_at", "-id")


def webhook_delivery_get(*, delivery_id: int) -> WebhookDelivery | None:
    """For the worker only: ids come from our own queue, never from a request."""
    return WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()


def webhook_delivery_predecessor(*, delivery: WebhookDelivery) -> WebhookDelivery | None:
    """The oldest unfinished delivery of the same webhook and memory created before this one."""
    return (
        WebhookDelivery.objects.filter(
            webhook_id=delivery.webhook_id,
            memory_id=delivery.memory_id,
            status=WebhookDeliveryStatus.PENDING,
            id__lt=delivery.id,
        )
        .order_by("id")
        .first()
    )


def webhook_deliveries_stalled(*, now: datetime, grace: timedelta, limit: int = 1000) -> list[int]:
    """PENDING deliveries overdue by `grace` and not in flight: their message may be lost."""
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDeliveryStatus.PENDING, next_attempt_at__lt=now - grace
        )
        .exclude(claimed_until__gt=now)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
