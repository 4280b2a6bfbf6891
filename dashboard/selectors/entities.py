"""Reads shaped for the dashboard's screens; each costs a fixed number of queries."""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.models import Project
from memories.models import ENTITY_FIELDS, Entity, EntityType, Memory, MemoryHistory
from memories.selectors.memories import memories_of, memory_history

# What the dashboard calls each entity type; URLs and the API keep the stored values.
ENTITY_TYPE_LABELS = {
    EntityType.USER: _("user"),
    EntityType.AGENT: _("agent"),
    EntityType.APP: _("app"),
    EntityType.RUN: _("run"),
}

ENTITY_SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "memories": ("memories", "name", "id"),
    "-memories": ("-memories", "name", "id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}


def _memory_count(*, project: Project, field: str) -> Subquery:
    counts = (
        memories_of(project=project)
        .filter(**{field: OuterRef("name")})
        .order_by()
        .values(field)
        .annotate(n=Count("*"))  # not count(id): the entity indexes answer COUNT(*) alone
        .values("n")
    )
    return Subquery(counts, output_field=IntegerField())


def entities_page(
    *,
    project: Project,
    q: str = "",
    entity_type: str = "",
    sort: str = "name",
    offset: int = 0,
    limit: int = 50,
) -> list[Entity]:
    """One page of entities, each annotated with `memories` (its active memories), in ONE query.

    Returns up to `limit + 1` rows so the caller can tell whether another page follows.
    """
    counts = Case(
        *(
            When(type=entity_type_.value, then=_memory_count(project=project, field=field))
            for entity_type_, field in ENTITY_FIELDS.items()
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    entities = Entity.objects.filter(project=project).annotate(memories=Coalesce(counts, 0))
    if entity_type:
        entities = entities.filter(type=entity_type)
    if q:
        entities = entities.filter(name__icontains=q)
    ordering = ENTITY_SORTS.get(sort, ENTITY_SORTS["name"])
    return list(entities.order_by(*ordering)[offset : offset + limit + 1])


def entity_memories(*, project: Project, entity: Entity, q: str = "") -> QuerySet[Memory]:
    """The entity's active memories, newest first (the id breaks ties so pages never overlap)."""
    memories = memories_of(project=project).filter(**{ENTITY_FIELDS[entity.type]: entity.name})
    if q:
        memories = memories.filter(text__icontains=q)
    return memories.order_by("-created_at", "-id")


def memory_timeline(
    *, project: Project, memory: Memory, limit: int = 100
) -> tuple[list[MemoryHistory], bool]:
    """The newest `limit` entries of the memory's history, shown oldest first, with the acting
    user and API key joined in; and whether older entries were left out (one query)."""
    newest = list(
        memory_history(project=project, memory=memory)
        .select_related("actor_user", "actor_api_key")
        .reverse()[: limit + 1]
    )
    return newest[:limit][::-1], len(newest) > limit
