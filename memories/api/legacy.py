"""Routes of the old SDKs (Python 0.1.x/1.x, JS 2.x), with their response shapes (§6)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from accounts.api.base import ProjectScopedApi
from memories.api import bulk
from memories.api.inputs import (
    BadRequest,
    StringListField,
    filters_with_top_level_ids,
    page_params,
    parse_day_or_time,
    parse_loose_dict,
)
from memories.api.memories import actor_of, add_request_of, body_of, search_results
from memories.api.outputs import memory_output
from memories.api.pagination import paginate
from memories.models import EventStatus
from memories.selectors.memories import memory_list
from memories.selectors.where import Selection, selection_where
from memories.services.add import memories_add

QUEUED = "Memory processing has been queued for background execution"


def wants_v11(body: dict) -> bool:
    return body.get("output_format") == "v1.1"


def shaped(items: list, body: dict, *, relations: bool = True):
    """v1.1 wraps results in an object; v1.0 (the default) is a bare array."""
    if wants_v11(body):
        return {"results": items, "relations": []} if relations else {"results": items}
    return items


def listed(request, body: dict, where, fields: list[str]):
    """Bare array, unless both page and page_size are given (then the envelope)."""
    queryset = memory_list(project=request.auth.project, where=where)
    both = request.query_params.get("page") and request.query_params.get("page_size")
    both = both or (body.get("page") and body.get("page_size"))
    serialize = lambda memory: memory_output(memory, fields=fields)  # noqa: E731
    if both:
        page, size = page_params(request, body)
        return paginate(request, queryset, page=page, page_size=size, serialize=serialize)
    try:
        limit = min(int(body.get("limit") or request.query_params.get("limit") or 100), 200)
    except (TypeError, ValueError, OverflowError):
        raise BadRequest("limit: expected a positive integer") from None
    if limit < 1:
        raise BadRequest("limit: expected a positive integer")
    return [serialize(memory) for memory in queryset[:limit]]


class MemoriesRootApi(ProjectScopedApi):
    """`/v1/memories/`: GET the legacy list, POST the legacy add, DELETE delete_all."""

    def get(self, request):
        query = request.query_params
        categories = query.getlist("categories")
        if len(categories) == 1:
            categories = [c.strip() for c in categories[0].split(",") if c.strip()]
        selection = Selection(
            filters=filters_with_top_level_ids(query, None),
            categories=categories,
            metadata=parse_loose_dict(query.get("metadata"), name="metadata"),
            keywords=query.get("keywords") or None,
            start_date=parse_day_or_time(query.get("start_date"), name="start_date"),
            end_date=parse_day_or_time(query.get("end_date"), name="end_date"),
        )
        if selection.filters is None:
            raise BadRequest("At least one of user_id, agent_id, app_id or run_id is required.")
        where, _ = selection_where(selection)
        fields = [f for value in query.getlist("fields") for f in value.split(",") if f]
        return Response(listed(request, dict(query.items()), where, fields))

    def post(self, request):
        body = body_of(request)
        add = add_request_of(request, body)
        event = memories_add(project=request.auth.project, add=add, actor=actor_of(request))
        if add.infer and event.status != EventStatus.SUCCEEDED:
            items = [{"message": QUEUED, "status": event.status, "event_id": str(event.id)}]
        else:
            items = event.results  # {id, memory, data, event[, previous_memory]}
        return Response(shaped(items, body))

    def delete(self, request):
        return bulk.delete_all(request)


class LegacyListApi(ProjectScopedApi):
    """`POST /v2/memories/`: filters plus folded top-level ids."""

    reads_with_post = True

    def post(self, request):
        body = body_of(request)
        filters = filters_with_top_level_ids(body, body.get("filters"))
        if filters is None:
            raise BadRequest('filters: required, e.g. {"user_id": "alice"}')
        where, _ = selection_where(Selection(filters=filters))
        fields = body.get("fields") if isinstance(body.get("fields"), list) else []
        return Response(listed(request, body, where, fields))


class LegacySearchSerializer(serializers.Serializer):
    query = serializers.CharField(max_length=10_000)
    top_k = serializers.IntegerField(default=10, min_value=1, max_value=1000)
    threshold = serializers.FloatField(default=0.0, min_value=0.0, max_value=1.0)
    fields = StringListField(required=False, default=list)
    categories = StringListField(required=False, default=list)
    metadata = serializers.DictField(required=False, allow_null=True)
    show_expired = serializers.BooleanField(default=False)
    latest_only = serializers.BooleanField(default=False)
    rerank = serializers.BooleanField(default=False)

    def selection(self) -> Selection:
        data = self.validated_data
        return Selection(
            filters=self.context["filters"],
            categories=data["categories"],
            metadata=data.get("metadata"),
            show_expired=data["show_expired"],
            latest_only=data["latest_only"],
        )


class LegacySearchApi(ProjectScopedApi):
    """`POST /v1/memories/search/` and `/v2/memories/search/`."""

    reads_with_post = True
    default_threshold = 0.0
    relations = True  # v1.1 answers of v1 search carry "relations"; v2's do not

    def post(self, request):
        body = body_of(request)
        filters = filters_with_top_level_ids(body, body.get("filters"))
        if filters is None:
            raise BadRequest("filters or one of user_id, agent_id, app_id, run_id is required")
        data = {"threshold": self.default_threshold, **body}
        if "limit" in body and "top_k" not in body:
            data["top_k"] = body["limit"]
        serializer = LegacySearchSerializer(data=data, context={"filters": filters})
        serializer.is_valid(raise_exception=True)
        return Response(shaped(search_results(request, serializer), body, relations=self.relations))


class LegacySearchV2Api(LegacySearchApi):
    default_threshold = 0.3
    relations = False
