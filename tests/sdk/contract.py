"""Shape checks from API-CONTRACT.md, shared by the SDK contract tests.

Each checker takes `camel=True` for what JS 3.x hands its caller: the SDK turns response keys
into camelCase (but leaves the values under `metadata` alone).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

QUEUED_MESSAGE = "Memory processing has been queued for background execution"

# 3.1: the canonical superset, returned everywhere ([REC]: run_id and session_id both).
MEMORY_KEYS = (
    "id",
    "memory",
    "user_id",
    "agent_id",
    "app_id",
    "run_id",
    "session_id",
    "hash",
    "metadata",
    "categories",
    "expiration_date",
    "created_at",
    "updated_at",
)
# 3.4
HISTORY_KEYS = (
    "id",
    "memory_id",
    "input",
    "old_memory",
    "new_memory",
    "user_id",
    "event",
    "created_at",
    "updated_at",
)
# 3.5
ENTITY_KEYS = ("id", "name", "type", "total_memories", "created_at", "updated_at")


def key(name: str, camel: bool) -> str:
    if not camel:
        return name
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


def is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def is_datetime_with_offset(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def missing(obj: dict, keys, camel: bool = False) -> list[str]:
    return [key(k, camel) for k in keys if key(k, camel) not in obj]


def assert_memory(obj, *, camel: bool = False, search: bool = False):
    """A memory object (3.1); search results also carry a score in [0, 1]."""
    assert isinstance(obj, dict), f"a memory must be an object, got {obj!r}"
    lacks = missing(obj, MEMORY_KEYS, camel)
    assert not lacks, f"memory lacks {lacks}: {obj}"
    assert is_uuid(obj["id"]), obj["id"]
    assert isinstance(obj["memory"], str)
    assert re.fullmatch(r"[0-9a-f]{32}", obj["hash"] or ""), f"hash: {obj['hash']!r}"
    assert obj["metadata"] is None or isinstance(obj["metadata"], dict)
    assert obj["categories"] is None or isinstance(obj["categories"], list)
    assert is_datetime_with_offset(obj[key("created_at", camel)]), obj[key("created_at", camel)]
    updated = obj[key("updated_at", camel)]
    assert updated is None or is_datetime_with_offset(updated), updated
    assert obj[key("run_id", camel)] == obj[key("session_id", camel)]
    if search:
        assert isinstance(obj.get("score"), int | float), f"search result without score: {obj}"
        assert 0 <= obj["score"] <= 1, obj["score"]


def assert_search_results(results, *, camel: bool = False):
    for item in results:
        assert_memory(item, camel=camel, search=True)
    scores = [item["score"] for item in results]
    assert scores == sorted(scores, reverse=True), f"not sorted by score: {scores}"


def assert_page(page, *, camel: bool = False, count: int | None = None):
    """The paginated envelope {count, next, previous, results} (5.4, 6.2/6.3 with paging)."""
    assert isinstance(page, dict), f"expected the envelope, got {type(page).__name__}: {page!r}"
    assert set(page) >= {"count", "next", "previous", "results"}, sorted(page)
    assert isinstance(page["results"], list)
    if count is not None:
        assert page["count"] == count, page["count"]
    for item in page["results"]:
        assert_memory(item, camel=camel)
    for link in (page["next"], page["previous"]):
        assert link is None or re.match(r"https?://", link), f"links are absolute URLs: {link}"


def assert_sync_add_item(item, *, camel: bool = False, event: str = "ADD"):
    """A per-memory result of a synchronous add (5.2 infer=false, 6.1 sync item)."""
    assert is_uuid(item["id"]), item
    assert item["event"] == event, item
    assert isinstance(item["data"]["memory"], str), item


def assert_queued_item(item, *, camel: bool = False):
    """6.1: the legacy async add result item."""
    assert item["status"] == "PENDING", item
    assert item["message"] == QUEUED_MESSAGE, item
    assert is_uuid(item[key("event_id", camel)]), item


def assert_history_entry(entry, *, camel: bool = False):
    assert isinstance(entry, dict), entry
    lacks = missing(entry, HISTORY_KEYS, camel)
    assert not lacks, f"history entry lacks {lacks}: {entry}"
    assert is_uuid(entry["id"]), entry
    assert entry["event"] in ("ADD", "UPDATE", "DELETE"), entry
    assert is_datetime_with_offset(entry[key("created_at", camel)]), entry


def assert_entities(page, *, camel: bool = False):
    """5.10: an object with results (never a bare list); each entity with a numeric string id."""
    assert isinstance(page, dict), f"users() must answer an object, got {page!r}"
    assert isinstance(page["results"], list), page
    assert "count" in page, sorted(page)
    for entity in page["results"]:
        lacks = missing(entity, ENTITY_KEYS, camel)
        assert not lacks, f"entity lacks {lacks}: {entity}"
        assert isinstance(entity["id"], str) and entity["id"].isdigit(), entity
        assert entity["type"] in ("user", "agent", "app", "run"), entity
        assert isinstance(entity[key("total_memories", camel)], int), entity


def entity_names(page, type_: str = "user") -> dict[str, dict]:
    return {e["name"]: e for e in page["results"] if e["type"] == type_}
