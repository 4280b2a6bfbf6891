"""Reads of the operations screens (events, request log, webhooks); each takes `project=` and
costs a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import DurationField, ExpressionWrapper, F, Q, QuerySet

from accounts.models import ApiKey, Project, RequestLog
from memories.jobs import EXPORT, PROFILE, PROFILE_JOB, PROFILE_SETTINGS, SUMMARY
from memories.models import Event, EventStatus
from memories.models_webhooks import Webhook, WebhookDelivery

EVENT_KINDS = ("ADD", EXPORT, SUMMARY, PROFILE, PROFILE_JOB, PROFILE_SETTINGS)
ACTIVE_STATUSES = frozenset({EventStatus.PENDING, EventStatus.RUNNING})
STATUS_CLASSES = {"2xx": (200, 300), "3xx": (300, 400), "4xx": (400, 500), "5xx": (500, 600)}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _durations(queryset: QuerySet[Event]) -> QuerySet[Event]:
    """`waited` (created -> started) and `ran` (started -> completed), None when not yet."""
    return queryset.annotate(
        waited=ExpressionWrapper(F("started_at") - F("created_at"), output_field=DurationField()),
        ran=ExpressionWrapper(F("completed_at") - F("started_at"), output_field=DurationField()),
    )


def events_page(
    *,
    project: Project,
    status: str = "",
    kind: str = "",
    event_id: uuid.UUID | None = None,
    offset: int = 0,
    limit: int = 50,
) -> list[Event]:
    """Newest first, `limit + 1` rows (the extra one says "there is more"); the payload and
    results, which may be large, are left out."""
    events = Event.objects.filter(project=project).defer(
        "payload", "results", "metadata", "skipped"
    )
    if status:
        events = events.filter(status=status)
    if kind:
        events = events.filter(event_type=kind)
    if event_id:
        events = events.filter(pk=event_id)
    events = _durations(events).order_by("-created_at", "-id")
    return list(events[offset : offset + limit + 1])


def event_get(*, project: Project, event_id: uuid.UUID) -> Event | None:
    return (
        _durations(Event.objects.filter(project=project, pk=event_id))
        .select_related("api_key")
        .first()
    )


@dataclass(frozen=True)
class RequestFilters:
    status_class: str = ""  # a key of STATUS_CLASSES
    method: str = ""
    path: str = ""  # contained in the path, any case
    key: str = ""  # an ApiKey prefix
    before: tuple[datetime, int] | None = None  # keyset cursor: (created_at, id) of the last row


def request_log_page(*, project: Project, filters: RequestFilters, limit: int = 50):
    """The project's API calls newest first, `limit + 1` rows, each with its key."""
    rows = RequestLog.objects.filter(project=project).select_related("api_key")
    if filters.status_class in STATUS_CLASSES:
        low, high = STATUS_CLASSES[filters.status_class]
        rows = rows.filter(status__gte=low, status__lt=high)
    if filters.method:
        rows = rows.filter(method=filters.method)
    if filters.path:
        rows = rows.filter(path__icontains=filters.path)
    if filters.key:
        rows = rows.filter(api_key__prefix=filters.key)
    if filters.before:
        at, row_id = filters.before
        rows = rows.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=row_id))
    return list(rows.order_by("-created_at", "-id")[: limit + 1])


def request_log_keys(*, project: Project) -> QuerySet[ApiKey]:
    """The keys to filter by (revoked ones too: their calls stay in the log)."""
    return ApiKey.objects.filter(project=project).only("prefix", "name").order_by("name", "id")


def webhooks_of(*, project: Project) -> QuerySet[Webhook]:
    return Webhook.objects.filter(project=project).order_by("created_at", "id")


def webhook_of(*, project: Project, webhook_id: str) -> Webhook | None:
    return webhooks_of(project=project).filter(webhook_id=webhook_id).first()


def webhook_deliveries_page(
    *, project: Project, webhook: Webhook, offset: int = 0, limit: int = 50
) -> list[WebhookDelivery]:
    """The webhook's delivery log newest first, `limit + 1` rows, each with `took` (created ->
    completed: how long the delivery took, retries included)."""
    deliveries = (
        WebhookDelivery.objects.filter(webhook__project=project, webhook=webhook)
        .defer("payload")
        .annotate(
            took=ExpressionWrapper(
                F("completed_at") - F("created_at"), output_field=DurationField()
            )
        )
        .order_by("-created_at", "-id")
    )
    return list(deliveries[offset : offset + limit + 1])
