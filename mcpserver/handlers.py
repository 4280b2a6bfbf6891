"""What each MCP tool does: the REST API's parsing, services and selectors, called with the
endpoint's DRF request (its API key decides the project), never a second implementation.

A handler takes a `Call` and returns the tool's structured result (a JSON object). Whatever the
REST API would answer with a 4xx (`BadRequest`, `NotFound`, a serializer's ValidationError, a
DomainError) propagates: `protocol.call_tool` turns it into a tool error carrying the same
message the REST API would have sent.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from rest_framework import exceptions
from rest_framework.request import Request

from memories.api.bulk import delete_all_where
from memories.api.entities import entity_type_or_400, serialize_entities
from memories.api.inputs import BadRequest, filters_with_top_level_ids
from memories.api.memories import (
    MemoryListApi,
    MemorySearchApi,
    actor_of,
    add_request_of,
    memory_or_404,
    search_results,
    update_changes,
)
from memories.api.outputs import event_output, memory_output
from memories.api.pagination import page_of
from memories.filters import normalize_filters
from memories.models import ENTITY_FIELDS, ENTITY_ID_FIELDS, EventStatus
from memories.selectors.memories import entity_get, entity_list, event_get, event_list, memory_list
from memories.selectors.where import selection_where
from memories.services.add import memories_add
from memories.services.memories import (
    entity_delete,
    memories_delete_where,
    memory_delete,
    memory_update,
)

# What a memory looks like to an agent: the REST object less its bookkeeping (hash, structured
# attributes, provenance), which costs tokens and tells a model nothing. `id` always stays.
AGENT_FIELDS = [
    "memory",
    "score",
    "user_id",
    "agent_id",
    "app_id",
    "run_id",
    "metadata",
    "categories",
    "immutable",
    "expiration_date",
    "created_at",
    "updated_at",
]
# A retried call (the same JSON-RPC id and arguments) within this many seconds is the same add.
RETRY_WINDOW_SECONDS = 600


@dataclass
class Call:
    request: Request  # the endpoint's DRF request: request.auth is the API key
    arguments: dict[str, Any]
    default_user_id: str
    rpc_id: int | str

    @property
    def project(self):
        return self.request.auth.project

    def given(self, *names: str) -> dict[str, Any]:
        """The arguments among `names` that the call gave (null counts as not given)."""
        return {n: self.arguments[n] for n in names if self.arguments.get(n) is not None}


def _entity_ids(call: Call) -> dict[str, Any]:
    return call.given(*ENTITY_ID_FIELDS)


def _mentions_entity(tree) -> bool:
    if isinstance(tree, dict):
        return any(key in ENTITY_ID_FIELDS or _mentions_entity(v) for key, v in tree.items())
    if isinstance(tree, list):
        return any(_mentions_entity(item) for item in tree)
    return False


def scoped_filters(call: Call) -> dict:
    """`filters` AND the top-level ids (as the legacy REST routes fold them); with no entity id
    anywhere, the connection's default user (as Mem0's MCP server injects its default)."""
    tree = filters_with_top_level_ids(_entity_ids(call), call.arguments.get("filters"))
    if not tree:
        return {"user_id": call.default_user_id}
    if _mentions_entity(normalize_filters(tree)):
        return tree
    return {"AND": [{"user_id": call.default_user_id}, tree]}


def idempotency_key(call: Call) -> str:
    """The explicit `idempotency_key` argument, else the `Idempotency-Key` header (as REST),
    else one derived from the JSON-RPC request: a client that resends a call after a lost
    answer resends the same id and arguments, and gets the first call's event back. The
    10-minute window keeps a later, deliberate add that happens to reuse an id (ids restart
    with each connection) from being taken for a retry."""
    explicit = call.arguments.get("idempotency_key") or call.request.headers.get("Idempotency-Key")
    if explicit:
        return str(explicit)[:255]
    seed = json.dumps(
        [
            call.request.auth.pk,
            call.rpc_id,
            call.default_user_id,
            int(time.time() // RETRY_WINDOW_SECONDS),
            call.arguments,
        ],
        sort_keys=True,
        ensure_ascii=False,
    )
    return "mcp:" + hashlib.sha256(seed.encode("utf-8", "surrogatepass")).hexdigest()


# --- writes -----------------------------------------------------------------------------------


def add_memory(call: Call) -> dict:
    args = call.arguments
    messages = args.get("messages") or args.get("text")
    if not messages:
        raise BadRequest(
            "Nothing to remember: pass text (a sentence such as 'Prefers dark roast coffee') "
            "or messages ([{role, content}, ...])."
        )
    body = {
        "messages": messages,
        **(_entity_ids(call) or {"user_id": call.default_user_id}),
        **call.given("metadata", "infer", "async_mode", "expiration_date", "immutable"),
    }
    add = add_request_of(call.request, body)
    add.idempotency_key = idempotency_key(call)
    event = memories_add(project=call.project, add=add, actor=actor_of(call.request))
    answer = {"event_id": str(event.id), "status": event.status}
    if event.status in (EventStatus.PENDING, EventStatus.RUNNING):
        answer["message"] = (
            "Queued: the facts are extracted in the background, usually within seconds. "
            "Call get_event_status with this event_id to see what was stored."
        )
    else:
        answer["results"] = [
            {"id": r.get("id"), "memory": r.get("memory"), "event": r.get("event")}
            for r in event.results or []
        ]
        answer["error"] = event.error or None
    return answer


def update_memory(call: Call) -> dict:
    memory = memory_or_404(call.request, call.arguments["memory_id"])
    changes = update_changes(call.given("text", "metadata", "expiration_date"))
    memory = memory_update(memory=memory, actor=actor_of(call.request), **changes)
    return {"message": "Memory updated.", "memory": memory_output(memory, fields=AGENT_FIELDS)}


def delete_memory(call: Call) -> dict:
    memory = memory_or_404(call.request, call.arguments["memory_id"])
    linked = bool(call.arguments.get("delete_linked"))
    cascade = memory_delete(memory=memory, delete_linked=linked)
    answer = {"message": "Memory deleted.", "memory_id": str(memory.pk)}
    return {**answer, "cascade_count": cascade} if linked else answer


def delete_all_memories(call: Call) -> dict:
    query = {**_entity_ids(call), **call.given("metadata")}
    if not query:
        query = {"user_id": call.default_user_id}
    if "metadata" in query:
        query["metadata"] = json.dumps(query["metadata"])  # as the REST query string holds it
    deleted = memories_delete_where(project=call.project, where=delete_all_where(query))
    scope = {k: v for k, v in query.items() if k in ENTITY_ID_FIELDS}
    return {"message": f"Deleted {deleted} memories.", "deleted": deleted, "scope": scope}


def delete_entities(call: Call) -> dict:
    wanted = _entity_ids(call)
    if not wanted:
        raise BadRequest("Name the entity to delete: user_id, agent_id, app_id or run_id.")
    entities = []
    for field_name, name in wanted.items():
        kind = next(kind for kind, f in ENTITY_FIELDS.items() if f == field_name)
        entity = entity_get(project=call.project, entity_type=kind, name=str(name))
        if entity is None:
            raise exceptions.NotFound(f"Entity not found: no {kind} named {name!r}.")
        entities.append(entity)
    deleted = [
        {"type": e.type, "name": e.name, "deleted_memories": entity_delete(entity=e)}
        for e in entities
    ]
    return {"message": "Deleted with their memories.", "deleted": deleted}


# --- reads ------------------------------------------------------------------------------------


def search_memories(call: Call) -> dict:
    args = call.arguments
    body = {
        "query": args["query"],
        "filters": scoped_filters(call),
        "top_k": args.get("top_k") or args.get("limit") or 10,
        "fields": AGENT_FIELDS,
        **call.given("threshold", "rerank", "show_expired", "categories", "metadata"),
    }
    data = MemorySearchApi.InputSerializer(data=body)
    data.is_valid(raise_exception=True)
    return {"results": search_results(call.request, data)}


def get_memories(call: Call) -> dict:
    body = {
        "filters": scoped_filters(call),
        **call.given("categories", "keywords", "show_expired", "start_date", "end_date"),
    }
    data = MemoryListApi.InputSerializer(data=body)
    data.is_valid(raise_exception=True)
    where, _ = selection_where(data.selection())
    return _page(
        call,
        memory_list(project=call.project, where=where),
        lambda memory: memory_output(memory, fields=AGENT_FIELDS),
    )


def get_memory(call: Call) -> dict:
    memory = memory_or_404(call.request, call.arguments["memory_id"])
    return memory_output(memory, fields=[*AGENT_FIELDS, "state", "replaced_by"])


def list_entities(call: Call) -> dict:
    entities = entity_list(project=call.project)
    if call.arguments.get("entity_type"):
        entities = entities.filter(type=entity_type_or_400(call.arguments["entity_type"]))
    page = _page(call, entities, lambda entity: entity)
    page["results"] = serialize_entities(call.request, page["results"])
    return page


def list_events(call: Call) -> dict:
    events = event_list(project=call.project)
    if call.arguments.get("status"):
        events = events.filter(status=call.arguments["status"])
    return _page(call, events, event_output)


def get_event_status(call: Call) -> dict:
    from memories.api.inputs import parse_memory_id

    event_id = parse_memory_id(call.arguments["event_id"], name="event_id")
    event = event_get(project=call.project, event_id=event_id)
    if event is None:
        raise exceptions.NotFound("Event not found: check the event_id that add_memory returned.")
    return event_output(event)


def _page(call: Call, queryset, serialize) -> dict:
    number = call.arguments.get("page") or 1
    size = call.arguments.get("page_size") or 50
    found = page_of(call.request, queryset, page=number, page_size=size, serialize=serialize)
    return {
        "count": found.count,
        "page": number,
        "page_size": size,
        "has_more": found.next is not None,
        "results": found.results,
    }
