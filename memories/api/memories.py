"""The v3 memory routes of the newest SDKs (API-CONTRACT §5.2-5.9)."""

from __future__ import annotations

from rest_framework import exceptions, serializers
from rest_framework.response import Response

from accounts.api.base import ProjectScopedApi
from config.after_response import after_response
from memories.add_request import AddRequest
from memories.api.inputs import (
    DEFAULT_PAGE_SIZE,
    SCOPE_PARAMS,
    BadRequest,
    ShallowFieldsSerializer,
    StringListField,
    entity_ids_from,
    page_params,
    parse_bool,
    parse_date,
    parse_day_or_time,
    parse_memory_id,
    parse_messages,
    parse_timestamp,
    reject_unstorable,
)
from memories.api.outputs import history_output, memory_output
from memories.api.pagination import paginate, paginated_list
from memories.filters import normalize_filters
from memories.models import ENTITY_ID_FIELDS, EventStatus
from memories.selectors.memories import memory_get, memory_history, memory_list
from memories.selectors.search import memory_search
from memories.selectors.where import Selection, selection_where
from memories.services.access import memory_access_record
from memories.services.add import memories_add
from memories.services.memories import Actor, memory_delete, memory_update

NOT_FOUND = "Memory not found!"


def actor_of(request) -> Actor:
    return Actor(api_key=request.auth)


def body_of(request) -> dict:
    if not isinstance(request.data, dict):
        raise BadRequest("The request body must be a JSON object.")
    reject_unstorable(request.data)
    return request.data


def categories_input(value) -> list[dict] | None:
    """`custom_categories`: a list of {name: description} objects (bare names are a 400)."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise BadRequest("custom_categories: expected a list of {name: description} objects")
    for item in value:
        if not isinstance(item, dict):
            kind = type(item).__name__
            raise BadRequest(
                f'custom_categories: Expected a dictionary of items but got type "{kind}"'
            )
    return value


def add_scope(body: dict) -> dict[str, str | None]:
    """Entity ids from the top level, else from a simple `filters` dict (Python 2.x docs)."""
    scope = entity_ids_from(body)
    filters = body.get("filters")
    if isinstance(filters, dict):
        scope = {**entity_ids_from(normalize_filters(filters)), **scope}
    if not scope:
        raise BadRequest("At least one of user_id, agent_id, app_id or run_id is required.")
    return {name: scope.get(name) for name in ENTITY_ID_FIELDS}


def add_request_of(request, body: dict) -> AddRequest:
    """The add call of v3 and the legacy v1 add, checked in the order its errors are told."""
    messages = parse_messages(body.get("messages"))
    scope = add_scope(body)
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest("metadata: expected an object")
    infer = parse_bool(body.get("infer"), name="infer", default=True)
    add = AddRequest(
        messages=messages,
        scope=scope,
        metadata=metadata,
        infer=infer,
        immutable=parse_bool(body.get("immutable"), name="immutable"),
        expiration_date=parse_date(body.get("expiration_date"), name="expiration_date"),
        created_at=parse_timestamp(body.get("timestamp")),
        custom_categories=categories_input(body.get("custom_categories")),
        custom_instructions=body.get("custom_instructions"),
        agent_custom_instructions=body.get("agent_custom_instructions"),
        includes=body.get("includes"),
        excludes=body.get("excludes"),
        idempotency_key=request.headers.get("Idempotency-Key", "")[:255],
        sent={key: value for key, value in body.items() if key not in SCOPE_PARAMS},
    )
    if infer:  # a verbatim add is always synchronous and never read async_mode
        add.async_mode = parse_bool(body.get("async_mode"), name="async_mode", default=True)
    return add


class MemoryAddApi(ProjectScopedApi):
    """`POST /v3/memories/add/`: infer=false stores verbatim now; otherwise a PENDING event."""

    def post(self, request):
        add = add_request_of(request, body_of(request))
        event = memories_add(project=request.auth.project, add=add, actor=actor_of(request))
        if add.infer and event.status == EventStatus.SUCCEEDED:  # async_mode=false
            return Response({"results": event.results, "event_id": str(event.id)})
        if add.infer:
            return Response({"event_id": str(event.id), "status": event.status})
        return Response(
            {
                "message": "Memories stored successfully",
                "status": event.status,
                "event_id": str(event.id),
                "results": [
                    {"id": r["id"], "data": r["data"], "event": r["event"]} for r in event.results
                ],
            }
        )


class SelectionSerializer(ShallowFieldsSerializer):
    filters = serializers.JSONField(required=False)
    show_expired = serializers.BooleanField(default=False)
    latest_only = serializers.BooleanField(default=False)
    categories = StringListField(required=False, default=list)
    metadata = serializers.DictField(required=False, allow_null=True)
    fields = StringListField(required=False, default=list)

    def selection(self, *, require_filters: bool = True) -> Selection:
        data = self.validated_data
        filters = data.get("filters")
        if filters is None and require_filters:
            raise BadRequest('filters: required, e.g. {"user_id": "alice"}')
        return Selection(
            filters=normalize_filters(filters) if filters is not None else None,
            show_expired=data["show_expired"],
            latest_only=data["latest_only"],
            categories=data["categories"],
            metadata=data.get("metadata"),
            keywords=data.get("keywords"),
            start_date=parse_day_or_time(data.get("start_date"), name="start_date"),
            end_date=parse_day_or_time(data.get("end_date"), name="end_date"),
        )


def reject_top_level_ids(body: dict, route: str) -> None:
    present = sorted(set(entity_ids_from(body)))
    if present:
        raise BadRequest(
            f"Top-level {', '.join(present)} is not supported by {route}: "
            f'pass filters={{"{present[0]}": ...}} instead.'
        )


class MemorySearchApi(ProjectScopedApi):
    """`POST /v3/memories/search/`: hybrid search in the filtered scope."""

    reads_with_post = True

    class InputSerializer(SelectionSerializer):
        query = serializers.CharField(trim_whitespace=True, max_length=10_000)
        top_k = serializers.IntegerField(default=10, min_value=1, max_value=1000)
        threshold = serializers.FloatField(default=0.1, min_value=0.0, max_value=1.0)
        rerank = serializers.BooleanField(default=False)
        keyword_search = serializers.BooleanField(default=False)

    def post(self, request):
        body = body_of(request)
        reject_top_level_ids(body, "v3 search")
        data = self.InputSerializer(data=body)
        data.is_valid(raise_exception=True)
        return Response({"results": search_results(request, data)})


def search_results(request, data: SelectionSerializer) -> list[dict]:
    where, exact = selection_where(data.selection())
    hits = memory_search(
        project=request.auth.project,
        query=data.validated_data["query"],
        where=where,
        top_k=data.validated_data["top_k"],
        threshold=data.validated_data["threshold"],
        exact=exact,
        rerank=data.validated_data.get("rerank", False),
    )
    hit_ids = [hit.memory.pk for hit in hits]
    after_response(lambda: memory_access_record(hit_ids))
    fields = data.validated_data["fields"]
    return [
        memory_output(
            hit.memory, fields=fields, score=round(hit.score, 4), score_breakdown=hit.breakdown()
        )
        for hit in hits
    ]


class MemoryListApi(ProjectScopedApi):
    """`POST /v3/memories/`: the filtered memories, newest first, always in the envelope."""

    reads_with_post = True

    class InputSerializer(SelectionSerializer):
        keywords = serializers.CharField(required=False, allow_blank=True)
        start_date = serializers.CharField(required=False)
        end_date = serializers.CharField(required=False)

    def post(self, request):
        body = body_of(request)
        reject_top_level_ids(body, "v3 get_all")
        data = self.InputSerializer(data=body)
        data.is_valid(raise_exception=True)
        page, page_size = page_params(request, body) or (1, 100)
        where, _ = selection_where(data.selection())
        fields = data.validated_data["fields"]
        return Response(
            paginate(
                request,
                memory_list(project=request.auth.project, where=where),
                page=page,
                page_size=page_size,
                serialize=lambda memory: memory_output(memory, fields=fields),
            )
        )


def memory_or_404(request, memory_id: str):
    memory = memory_get(project=request.auth.project, memory_id=parse_memory_id(memory_id))
    if memory is None:
        raise exceptions.NotFound(NOT_FOUND)
    return memory


class MemoryDetailApi(ProjectScopedApi):
    """`GET|PUT|DELETE /v1/memories/{id}/`."""

    def get(self, request, memory_id):
        return Response(memory_output(memory_or_404(request, memory_id)))

    def put(self, request, memory_id):
        memory = memory_or_404(request, memory_id)
        body = body_of(request)
        changes = update_changes(body)
        memory = memory_update(memory=memory, actor=actor_of(request), **changes)
        return Response({**memory_output(memory), "message": "Memory updated successfully!"})

    def delete(self, request, memory_id):
        memory = memory_or_404(request, memory_id)
        linked = parse_bool(request.query_params.get("delete_linked"), name="delete_linked")
        cascade_count = memory_delete(memory=memory, delete_linked=linked)
        answer = {"message": "Memory deleted successfully!"}
        return Response({**answer, "cascade_count": cascade_count} if linked else answer)


def update_changes(body: dict) -> dict:
    """The keyword arguments of memory_update from a PUT body (at least one is required)."""
    changes: dict = {}
    if "text" in body:
        if not isinstance(body["text"], str) or not body["text"].strip():
            raise BadRequest("text: expected a non-empty string")
        changes["text"] = body["text"]
    if "metadata" in body:
        if body["metadata"] is not None and not isinstance(body["metadata"], dict):
            raise BadRequest("metadata: expected an object")
        changes["metadata"] = body["metadata"]  # merged as a JSON merge patch; null clears
    if "expiration_date" in body:
        changes["expiration_date"] = parse_date(body["expiration_date"], name="expiration_date")
    if body.get("timestamp") is not None:
        changes["created_at"] = parse_timestamp(body["timestamp"])
    if not changes:
        raise BadRequest("Nothing to update: send text, metadata, timestamp or expiration_date.")
    return changes


class MemoryHistoryApi(ProjectScopedApi):
    """`GET /v1/memories/{id}/history/`: oldest first, a bare list (what the SDKs expect), in
    pages of `page_size` (100 by default, which holds a whole history at the default
    MEMORY_HISTORY_MAX_ENTRIES); `Link` and `X-Total-Count` headers point to the other pages."""

    def get(self, request, memory_id):
        memory = memory_or_404(request, memory_id)
        page, page_size = page_params(request) or (1, DEFAULT_PAGE_SIZE)
        return paginated_list(
            request,
            memory_history(project=request.auth.project, memory=memory),
            page=page,
            page_size=page_size,
            serialize=history_output,
        )
