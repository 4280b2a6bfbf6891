"""Users, agents, apps and runs (API-CONTRACT §5.10, §5.11, §6.5, §6.7)."""

from __future__ import annotations

from django.db.models import Count
from rest_framework import exceptions
from rest_framework.response import Response

from accounts.api.base import ProjectScopedApi
from memories.api.inputs import (
    MAX_ENTITY_ID_CHARS,
    BadRequest,
    page_params,
    reject_unstorable,
)
from memories.api.outputs import entity_output
from memories.models import ENTITY_FIELDS, EntityType
from memories.selectors.memories import entity_get, entity_get_by_id, entity_list, entity_totals
from memories.services.memories import entities_upsert, entity_delete

ENTITY_NOT_FOUND = "Entity not found"


def entity_type_or_400(value: str) -> EntityType:
    if value not in EntityType.values:
        raise BadRequest(f"Invalid entity type {value!r}: use user, agent, app or run")
    return EntityType(value)


def owner_of(request) -> str:
    creator = request.auth.created_by
    return creator.username if creator else request.auth.project.organization.name


def serialize_entities(request, entities) -> list[dict]:
    totals = entity_totals(project=request.auth.project)
    owner = owner_of(request)
    for entity in entities:
        entity.total_memories = totals.get((entity.type, entity.name), 0)
    return [entity_output(entity, owner=owner) for entity in entities]


class EntityListApi(ProjectScopedApi):
    """`GET /v1/entities/`: all entities in one page unless page/page_size are given."""

    def get(self, request):
        entities = entity_list(project=request.auth.project)
        paging = page_params(request)
        count = entities.count()
        if paging:
            page, size = paging
            start = (page - 1) * size  # past the end it may not fit a bigint OFFSET
            entities = entities[start : start + size] if start < count else []
        by_type = dict.fromkeys(EntityType.values, 0) | dict(
            entity_list(project=request.auth.project)
            .order_by()
            .values_list("type")
            .annotate(n=Count("id"))
        )
        return Response(
            {
                "count": count,
                "next": None,
                "previous": None,
                "results": serialize_entities(request, list(entities)),
                **{f"total_{t}s": n for t, n in by_type.items()},
            }
        )


def numeric_id(value: str) -> int | None:
    """ASCII digits as an int (`"²".isdigit()` is true too, and int() refuses it)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 19 else None


def entity_or_404(request, entity_type: str, *, name: str | None = None, pk: int | None = None):
    kind = entity_type_or_400(entity_type)
    project = request.auth.project
    entity = entity_get(project=project, entity_type=kind, name=name) if name else None
    if entity is None and pk is not None:
        entity = entity_get_by_id(project=project, entity_type=kind, entity_id=pk)
    if entity is None:
        raise exceptions.NotFound(ENTITY_NOT_FOUND)
    return entity


class EntityApi(ProjectScopedApi):
    """`GET|DELETE /v2/entities/{type}/{name}/`: one entity; deleting takes all its memories."""

    def get(self, request, entity_type, name):
        pk = numeric_id(name)
        entity = entity_or_404(request, entity_type, name=name, pk=pk)
        return Response(serialize_entities(request, [entity])[0])

    def delete(self, request, entity_type, name):
        deleted = entity_delete(entity=entity_or_404(request, entity_type, name=name))
        return Response({"message": "Entity deleted successfully.", "deleted_memories": deleted})


class EntityByIdApi(ProjectScopedApi):
    """`DELETE /v1/entities/{type}/{numeric id}/` (the id from GET /v1/entities/)."""

    def delete(self, request, entity_type, entity_id):
        if not (entity_id.isascii() and entity_id.isdigit()):
            raise BadRequest("Invalid entity ID. Must be an integer.")
        entity_delete(entity=entity_or_404(request, entity_type, pk=numeric_id(entity_id)))
        return Response({"message": "Entity deleted successfully."})


class EntityCreateApi(ProjectScopedApi):
    """`POST /v1/users/`, `/v1/agents/`, `/v1/apps/`, `/v1/runs/` (seed API)."""

    entity_type: EntityType = EntityType.USER

    def post(self, request):
        body = request.data if isinstance(request.data, dict) else {}
        reject_unstorable(body)
        field = ENTITY_FIELDS[self.entity_type]
        name = body.get(field) or body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise BadRequest(f"{field}: required")
        if len(name) > MAX_ENTITY_ID_CHARS:
            raise BadRequest(f"{field}: at most {MAX_ENTITY_ID_CHARS} characters")
        metadata = body.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise BadRequest("metadata: expected an object")
        entities_upsert(project=request.auth.project, scope={field: name}, metadata=metadata)
        entity = entity_get(project=request.auth.project, entity_type=self.entity_type, name=name)
        return Response(serialize_entities(request, [entity])[0], status=201)
