"""Reads of memories, their history, entities and events — always starting from the project."""

from __future__ import annotations

import uuid
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import Project
from memories.models import ENTITY_FIELDS, Entity, Event, Memory, MemoryHistory, MemoryState


def memories_of(*, project: Project) -> QuerySet[Memory]:
    return Memory.objects.filter(project=project, state=MemoryState.ACTIVE)


def memory_get(*, project: Project, memory_id: uuid.UUID) -> Memory | None:
    return memories_of(project=project).filter(pk=memory_id).first()


def visible_filter(
    *, show_expired: bool = False, latest_only: bool = False, today: date | None = None
) -> Q:
    """Expired memories are hidden from list-shaped reads (UTC, inclusive day)."""
    q = Q()
    if not show_expired:
        today = today or timezone.now().date()
        q &= Q(expiration_date__isnull=True) | Q(expiration_date__gte=today)
    if latest_only:
        q &= Q(replaced_by__isnull=True)
    return q


def memory_list(*, project: Project, where: Q) -> QuerySet[Memory]:
    """Newest first; the id breaks ties so pages never overlap."""
    return memories_of(project=project).filter(where).order_by("-created_at", "-id")


def memory_history(*, project: Project, memory: Memory) -> QuerySet[MemoryHistory]:
    """Oldest first; the id breaks ties so pages never overlap."""
    return MemoryHistory.objects.filter(project=project, memory=memory).order_by("created_at", "id")


def entity_list(*, project: Project) -> QuerySet[Entity]:
    """Oldest first; memory counts come from entity_totals (one grouped query per type)."""
    return Entity.objects.filter(project=project).order_by("created_at", "id")


def entity_totals(*, project: Project) -> dict[tuple[str, str], int]:
    """(type, name) -> number of active memories, in one grouped query per entity type."""
    totals: dict[tuple[str, str], int] = {}
    for entity_type, field in ENTITY_FIELDS.items():
        rows = (
            memories_of(project=project)
            .exclude(**{f"{field}__isnull": True})
            .values(field)
            .annotate(n=Count("id"))
        )
        totals.update({(entity_type.value, row[field]): row["n"] for row in rows})
    return totals


def entity_get(*, project: Project, entity_type: str, name: str) -> Entity | None:
    return Entity.objects.filter(project=project, type=entity_type, name=name).first()


def entity_get_by_id(*, project: Project, entity_type: str, entity_id: int) -> Entity | None:
    return Entity.objects.filter(project=project, type=entity_type, pk=entity_id).first()


def event_get(*, project: Project, event_id: uuid.UUID) -> Event | None:
    return Event.objects.filter(project=project, pk=event_id).first()


def event_list(*, project: Project) -> QuerySet[Event]:
    return Event.objects.filter(project=project).order_by("-created_at", "-id")
