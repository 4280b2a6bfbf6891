"""The MCP tools: Mem0's hosted MCP tool names and meanings, their input schemas and their
descriptions, written for the model that reads them (when to call, what comes back).

Plain data (no SDK import): `protocol.py` turns each `ToolSpec` into an `mcp_types.Tool`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mcpserver import handlers

_ID = {"type": "string", "maxLength": 255}
SCOPE_PROPERTIES = {
    "user_id": {**_ID, "description": "The user the memories are about."},
    "agent_id": {**_ID, "description": "The agent (assistant) the memories belong to."},
    "app_id": {**_ID, "description": "The application the memories belong to."},
    "run_id": {**_ID, "description": "One conversation or session."},
}
FILTERS = {
    "type": "object",
    "description": (
        "Engram's filter language (Mem0's): entity ids, AND/OR/NOT, created_at ranges, "
        'categories, metadata. E.g. {"user_id": "alice"}, {"OR": [{"user_id": "alice"}, '
        '{"agent_id": "planner"}]}, {"AND": [{"user_id": "alice"}, {"created_at": {"gte": '
        '"2026-01-01"}}]}. With no entity id here or in user_id/agent_id/app_id/run_id, the '
        "connection's default user is used."
    ),
}
PAGING = {
    "page": {"type": "integer", "minimum": 1, "default": 1, "description": "1-based page."},
    "page_size": {
        "type": "integer",
        "minimum": 1,
        "maximum": 200,
        "default": 50,
        "description": "Items per page.",
    },
}
MEMORY_ID = {"type": "string", "description": "The memory's id (a UUID) from an earlier result."}
METADATA = {"type": "object", "description": "Any JSON object stored with the memory."}


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str
    description: str
    properties: dict[str, Any]
    run: Callable[[handlers.Call], dict]
    required: tuple[str, ...] = ()
    writes: bool = False
    destructive: bool = False
    idempotent: bool = True

    def input_schema(self) -> dict:
        return {
            "type": "object",
            "properties": self.properties,
            "required": list(self.required),
            "additionalProperties": False,
        }


TOOLS = (
    ToolSpec(
        name="add_memory",
        title="Remember",
        description=(
            "Store durable information about the user or task: preferences, facts, decisions, "
            "constraints ('prefers TypeScript', 'deploys on Fridays are banned'). Call it when "
            "the user shares something worth knowing in a later conversation; not for "
            "small talk. Pass `text` (one or more sentences) or `messages` (the conversation "
            "turns). Engram extracts the facts in the background and merges them with what it "
            "knows (duplicates and contradictions are resolved), so the answer is an event_id "
            "with status PENDING; call get_event_status to see what was stored. infer=false "
            "stores the text verbatim, at once. Without user_id/agent_id/app_id/run_id the "
            "memory belongs to the connection's default user. A retried call (same request "
            "id and arguments, or the same idempotency_key) returns the first call's event."
        ),
        properties={
            "text": {"type": "string", "description": "What to remember, in plain sentences."},
            "messages": {
                "type": "array",
                "maxItems": 500,
                "description": "Conversation turns to extract memories from (instead of text).",
                "items": {
                    "type": "object",
                    "properties": {
                        "role": {"type": "string", "enum": ["user", "assistant", "system"]},
                        "content": {"type": "string"},
                    },
                    "required": ["role", "content"],
                },
            },
            **SCOPE_PROPERTIES,
            "metadata": METADATA,
            "infer": {
                "type": "boolean",
                "default": True,
                "description": "false: store the text verbatim instead of extracting facts.",
            },
            "async_mode": {
                "type": "boolean",
                "default": True,
                "description": "false: wait for the extraction and return what was stored.",
            },
            "expiration_date": {
                "type": "string",
                "description": "YYYY-MM-DD: the memory is hidden from searches after that day.",
            },
            "idempotency_key": {
                "type": "string",
                "maxLength": 255,
                "description": "Optional: calls with the same key store once.",
            },
        },
        run=handlers.add_memory,
        writes=True,
        destructive=False,
        idempotent=False,
    ),
    ToolSpec(
        name="search_memories",
        title="Search memories",
        description=(
            "Find what Engram remembers that is relevant to a question or task, ranked by "
            "relevance (semantic and keyword). Call it at the start of a task or whenever past "
            "preferences, facts or decisions could change your answer. Returns "
            "{results: [{id, memory, score (0..1), user_id, categories, metadata, created_at, "
            "...}]}, best first. Without filters or entity ids it searches the connection's "
            "default user."
        ),
        properties={
            "query": {
                "type": "string",
                "minLength": 1,
                "maxLength": 10000,
                "description": "A natural-language question or keywords.",
            },
            "filters": FILTERS,
            **SCOPE_PROPERTIES,
            "top_k": {
                "type": "integer",
                "minimum": 1,
                "maximum": 1000,
                "default": 10,
                "description": "How many results at most.",
            },
            "limit": {
                "type": "integer",
                "minimum": 1,
                "maximum": 1000,
                "description": "Same as top_k (the name Mem0's MCP server uses).",
            },
            "threshold": {
                "type": "number",
                "minimum": 0,
                "maximum": 1,
                "default": 0.1,
                "description": "Drop results scoring below this; 0 keeps all.",
            },
            "rerank": {"type": "boolean", "default": False, "description": "Rerank the hits."},
            "show_expired": {"type": "boolean", "default": False},
            "categories": {"type": "array", "items": {"type": "string"}},
            "metadata": {"type": "object", "description": "Only memories with these values."},
        },
        required=("query",),
        run=handlers.search_memories,
    ),
    ToolSpec(
        name="get_memories",
        title="List memories",
        description=(
            "List memories (newest first) by filters instead of by relevance: everything known "
            "about a user, an agent's notes, what was stored this week. Returns {count, page, "
            "page_size, has_more, results: [memory...]}; ask for the next page while has_more."
        ),
        properties={
            "filters": FILTERS,
            **SCOPE_PROPERTIES,
            **PAGING,
            "categories": {"type": "array", "items": {"type": "string"}},
            "keywords": {"type": "string", "description": "Only memories containing this text."},
            "start_date": {"type": "string", "description": "Created on or after (YYYY-MM-DD)."},
            "end_date": {"type": "string", "description": "Created on or before (YYYY-MM-DD)."},
            "show_expired": {"type": "boolean", "default": False},
        },
        run=handlers.get_memories,
    ),
    ToolSpec(
        name="get_memory",
        title="Get a memory",
        description="Fetch one memory by its id (from a search or list result).",
        properties={"memory_id": MEMORY_ID},
        required=("memory_id",),
        run=handlers.get_memory,
    ),
    ToolSpec(
        name="update_memory",
        title="Update a memory",
        description=(
            "Correct or replace one memory's text (or merge into its metadata) once you know "
            "its id, e.g. when the user says a remembered fact changed. The old text stays in "
            "the memory's history. Returns the updated memory."
        ),
        properties={
            "memory_id": MEMORY_ID,
            "text": {"type": "string", "minLength": 1, "description": "The new text."},
            "metadata": {
                "type": ["object", "null"],
                "description": "Merged into the memory's metadata (a null value removes a key).",
            },
            "expiration_date": {"type": ["string", "null"], "description": "YYYY-MM-DD or null."},
        },
        required=("memory_id",),
        run=handlers.update_memory,
        writes=True,
        destructive=True,
    ),
    ToolSpec(
        name="delete_memory",
        title="Delete a memory",
        description=(
            "Delete one memory for good, by id, after the user confirms. delete_linked=true "
            "also deletes the older memories it replaced."
        ),
        properties={
            "memory_id": MEMORY_ID,
            "delete_linked": {"type": "boolean", "default": False},
        },
        required=("memory_id",),
        run=handlers.delete_memory,
        writes=True,
        destructive=True,
    ),
    ToolSpec(
        name="delete_all_memories",
        title="Delete all memories of a scope",
        description=(
            "Delete every memory of a user, agent, app or run (the entity stays), only when the "
            "user asks for it explicitly. Several ids are ANDed; '*' means any value, and '*' "
            "for all four wipes the whole project. With no id, the connection's default user. "
            "Returns how many were deleted."
        ),
        properties={**SCOPE_PROPERTIES, "metadata": METADATA},
        run=handlers.delete_all_memories,
        writes=True,
        destructive=True,
    ),
    ToolSpec(
        name="delete_entities",
        title="Delete users, agents, apps or runs",
        description=(
            "Delete a user, agent, app or run and all its memories, only when the user asks "
            "for it explicitly. Name at least one id; every named entity must exist."
        ),
        properties=SCOPE_PROPERTIES,
        run=handlers.delete_entities,
        writes=True,
        destructive=True,
    ),
    ToolSpec(
        name="list_entities",
        title="List users, agents, apps and runs",
        description=(
            "List the users, agents, apps and runs that hold memories, with how many each "
            "holds: {count, has_more, results: [{name, type, total_memories, ...}]}."
        ),
        properties={
            "entity_type": {"type": "string", "enum": ["user", "agent", "app", "run"]},
            **PAGING,
        },
        run=handlers.list_entities,
    ),
    ToolSpec(
        name="list_events",
        title="List add events",
        description=(
            "List the project's background jobs (adds being extracted, exports...), newest "
            "first, with their status (PENDING, RUNNING, SUCCEEDED, FAILED) and results."
        ),
        properties={
            "status": {"type": "string", "enum": ["PENDING", "RUNNING", "SUCCEEDED", "FAILED"]},
            **PAGING,
        },
        run=handlers.list_events,
    ),
    ToolSpec(
        name="get_event_status",
        title="Get an event's status",
        description=(
            "Check a background job, e.g. the event_id add_memory returned: status PENDING or "
            "RUNNING (try again in a few seconds), SUCCEEDED (results lists each memory ADDed, "
            "UPDATEd, DELETEd or NOOP, and skipped says what was not stored) or FAILED (error)."
        ),
        properties={"event_id": {"type": "string", "description": "The event's id (a UUID)."}},
        required=("event_id",),
        run=handlers.get_event_status,
    ),
)
BY_NAME = {tool.name: tool for tool in TOOLS}
