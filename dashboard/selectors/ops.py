"""Reads of the operations screens (events, request log, webhooks); each takes `project=` and
costs a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import uuid
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from django.db.models import DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import JSONObject

from accounts.models import ApiKey, Project, RequestLog
from memories.filters import FilterError, entity_scope
from memories.jobs import EXPORT, PROFILE, PROFILE_JOB, PROFILE_SETTINGS, SUMMARY
from memories.models import ENTITY_FIELDS, ENTITY_ID_FIELDS, Event, EventStatus
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


def _with_scope(queryset: QuerySet[Event]) -> QuerySet[Event]:
    """`scope`: the few payload keys that name whom an event is about, not the whole payload.
    An add keeps its entity ids at the top (AddRequest.to_payload), a PROFILE job
    `entity_type` and `entity_id`, an export or a summary its `filters`."""
    keys = {field: KT(f"payload__{field}") for field in ENTITY_ID_FIELDS}
    keys |= {"entity_type": KT("payload__entity_type"), "entity_id": KT("payload__entity_id")}
    return queryset.annotate(scope=JSONObject(**keys, filters=F("payload__filters")))


def event_entities(scope: dict) -> list[tuple[str, str]]:
    """[(entity type, id)] of an event's `scope`, user first: what the events list shows."""
    ids = {field: scope.get(field) for field in ENTITY_ID_FIELDS}
    if isinstance(scope.get("filters"), dict | str):
        # Stored filters were valid when sent; one the language no longer reads shows no scope.
        with suppress(FilterError):
            ids |= entity_scope(scope["filters"]) or {}
    pairs = [(str(kind.value), ids[field]) for kind, field in ENTITY_FIELDS.items() if ids[field]]
    if not pairs and scope.get("entity_type") and scope.get("entity_id"):
        pairs = [(scope["entity_type"], scope["entity_id"])]
    return pairs


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
    results, which may be large, are left out, but for `entities` (event_entities)."""
    events = Event.objects.filter(project=project).defer(
        "payload", "results", "metadata", "skipped"
    )
    if status:
        events = events.filter(status=status)
    if kind:
        events = events.filter(event_type=kind)
    if event_id:
        events = events.filter(pk=event_id)
    events = _with_scope(_durations(events)).order_by("-created_at", "-id")
    rows = list(events[offset : offset + limit + 1])
    for event in rows:
        event.entities = event_entities(event.scope or {})
    return rows


def event_get(*, project: Project, event_id: uuid.UUID) -> Event | None:
    event = (
        _with_scope(_durations(Event.objects.filter(project=project, pk=event_id)))
        .select_related("api_key")
        .first()
    )
    if event is not None:
        event.entities = event_entities(event.scope or {})
    return event


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
