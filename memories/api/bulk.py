"""Batch update/delete, delete_all, feedback and events (API-CONTRACT §5.8, §5.12, §5.13, §5.19)."""

from __future__ import annotations

from django.db.models import Q
from rest_framework import exceptions
from rest_framework.response import Response

from accounts.api.base import ProjectScopedApi
from memories.api.inputs import (
    BadRequest,
    page_params,
    parse_loose_dict,
    parse_memory_id,
)
from memories.api.memories import actor_of, body_of, memory_or_404
from memories.api.outputs import event_output
from memories.api.pagination import paginate
from memories.filters import compile_filters, normalize_filters
from memories.models import ENTITY_ID_FIELDS, FeedbackValue
from memories.selectors.memories import event_get, event_list
from memories.services.memories import (
    MemoryNotFound,
    feedback_set,
    memories_batch_delete,
    memories_batch_update,
    memories_delete_where,
)

MAX_BATCH = 1000


def batch_items(body: dict, verb: str) -> list[dict]:
    items = body.get("memories")
    if not isinstance(items, list) or not items:
        raise BadRequest("memories: a non-empty list of {memory_id, ...} is required")
    if len(items) > MAX_BATCH:
        raise BadRequest(f"Maximum of {MAX_BATCH} memories can be {verb} in a single request")
    parsed = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or "memory_id" not in item:
            raise BadRequest(f"memories[{index}]: memory_id is required")
        parsed.append({**item, "memory_id": parse_memory_id(item["memory_id"])})
        if "text" in item and not (isinstance(item["text"], str) and item["text"].strip()):
            raise BadRequest(f"memories[{index}].text: expected a non-empty string")
        if item.get("metadata") is not None and not isinstance(item["metadata"], dict):
            raise BadRequest(f"memories[{index}].metadata: expected an object")
    return parsed


class BatchApi(ProjectScopedApi):
    """`PUT|DELETE /v1/batch/`: at most 1000 memories, all or nothing."""

    def put(self, request):
        items = batch_items(body_of(request), "updated")
        try:
            count = memories_batch_update(
                project=request.auth.project, items=items, actor=actor_of(request)
            )
        except MemoryNotFound as missing:
            raise exceptions.NotFound(str(missing)) from None
        return Response({"message": f"Successfully updated {count} memories"})

    def delete(self, request):
        ids = [item["memory_id"] for item in batch_items(body_of(request), "deleted")]
        try:
            count = memories_batch_delete(project=request.auth.project, ids=ids)
        except MemoryNotFound as missing:
            raise exceptions.NotFound(str(missing)) from None
        return Response({"message": f"Successfully deleted {count} memories"})


def delete_all_where(query) -> Q:
    """delete_all's query: entity ids ('*' = any), metadata, filters (JSON or Python repr).

    All four ids '*' is Mem0's documented full-project wipe (the CLI's `delete --all
    --project`): every memory, not only those that carry all four ids."""
    where, given = Q(), False
    wipe = all(query.get(name) == "*" for name in ENTITY_ID_FIELDS)
    for name in ENTITY_ID_FIELDS:
        value = query.get(name)
        if value not in (None, ""):
            if not wipe:
                where &= Q(**{f"{name}__isnull": False}) if value == "*" else Q(**{name: value})
            given = True
    metadata = parse_loose_dict(query.get("metadata"), name="metadata")
    if metadata:
        where &= Q(metadata__contains=metadata)
        given = True
    filters = parse_loose_dict(query.get("filters"), name="filters")
    if filters:
        where &= compile_filters(normalize_filters(filters), require_entity_scope=False)
        given = True
    if not given:
        raise BadRequest(
            "At least one filter is required to delete memories: user_id, agent_id, app_id, "
            "run_id (use '*' for all), metadata or filters."
        )
    return where


def delete_all(request) -> Response:
    deleted = memories_delete_where(
        project=request.auth.project, where=delete_all_where(request.query_params)
    )
    return Response({"message": "Memories deleted successfully!", "deleted": deleted})


class FeedbackApi(ProjectScopedApi):
    """`POST /v1/feedback/`: the latest feedback on a memory; nulls clear it."""

    def post(self, request):
        body = body_of(request)
        if "memory_id" not in body:
            raise BadRequest("memory_id: required")
        try:
            memory = memory_or_404(request, body["memory_id"])
        except BadRequest:
            raise BadRequest("Invalid memory_id") from None
        value = body.get("feedback")
        if value is not None:
            value = str(value).upper()
            if value not in FeedbackValue.values:
                raise BadRequest("feedback: must be POSITIVE, NEGATIVE, VERY_NEGATIVE or null")
        reason = body.get("feedback_reason")
        if reason is not None and not isinstance(reason, str):
            raise BadRequest("feedback_reason: expected a string")
        record = feedback_set(memory=memory, feedback=value, reason=reason, actor=actor_of(request))
        return Response(
            {
                "id": str(record.id),
                "feedback": record.feedback,
                "feedback_reason": record.feedback_reason,
            }
        )


class EventDetailApi(ProjectScopedApi):
    """`GET /v1/event/{id}/`: poll an asynchronous add."""

    def get(self, request, event_id):
        event = event_get(
            project=request.auth.project, event_id=parse_memory_id(event_id, name="event_id")
        )
        if event is None:
            raise exceptions.NotFound("Event not found or you don't have permission to access it.")
        return Response(event_output(event))


class EventListApi(ProjectScopedApi):
    """`GET /v1/events/`: newest first, paginated."""

    def get(self, request):
        page, page_size = page_params(request) or (1, 50)
        events = event_list(project=request.auth.project)
        return Response(
            paginate(request, events, page=page, page_size=page_size, serialize=event_output)
        )
