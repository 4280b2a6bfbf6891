"""The wire shapes of API-CONTRACT §3: memory objects, history entries, entities, events."""

from __future__ import annotations

from datetime import datetime

from memories.models import Entity, Event, Memory, MemoryHistory


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def structured_attributes(created_at: datetime) -> dict:
    return {
        "year": created_at.year,
        "month": created_at.month,
        "day": created_at.day,
        "hour": created_at.hour,
        "minute": created_at.minute,
        "quarter": (created_at.month - 1) // 3 + 1,
        "day_of_week": created_at.strftime("%A").lower(),
        "day_of_year": created_at.timetuple().tm_yday,
        "week_of_year": created_at.isocalendar().week,
        "is_weekend": created_at.weekday() >= 5,
    }


def memory_output(memory: Memory, *, fields: list[str] | None = None, **extra) -> dict:
    """The canonical superset (§3.1): run_id and session_id carry the same value."""
    body = {
        "id": str(memory.id),
        "memory": memory.text,
        "user_id": memory.user_id,
        "agent_id": memory.agent_id,
        "app_id": memory.app_id,
        "run_id": memory.run_id,
        "session_id": memory.run_id,
        "hash": memory.hash,
        "metadata": memory.metadata,
        "categories": memory.categories or [],
        "immutable": memory.immutable,
        "expiration_date": memory.expiration_date.isoformat() if memory.expiration_date else None,
        "created_at": _iso(memory.created_at),
        "updated_at": _iso(memory.updated_at),
        "structured_attributes": structured_attributes(memory.created_at),
        "replaced_by": str(memory.replaced_by_id) if memory.replaced_by_id else None,
        "state": memory.state,
        **extra,
    }
    if "source" not in memory.get_deferred_fields():  # search leaves it out, for speed
        # Engram's provenance (memories/provenance.py): the add, message(s) and words.
        body["source"] = memory.source or None
    if fields:
        # `id` always stays: clients need it to address the memory.
        body = {key: value for key, value in body.items() if key in fields or key == "id"}
    return body


def history_output(entry: MemoryHistory) -> dict:
    return {
        "id": str(entry.id),
        "memory_id": str(entry.memory_id),
        "input": entry.input or [],
        "old_memory": entry.old_memory,
        "new_memory": entry.new_memory,
        "user_id": entry.user_id,
        "agent_id": entry.agent_id,
        "app_id": entry.app_id,
        "run_id": entry.run_id,
        "session_id": entry.run_id,
        "categories": entry.categories or [],
        "event": entry.event,
        "metadata": entry.metadata,
        "created_at": _iso(entry.created_at),
        "updated_at": _iso(entry.updated_at),
    }


def entity_output(entity: Entity, *, owner: str) -> dict:
    return {
        "id": str(entity.id),
        "name": entity.name,
        "type": entity.type,
        "total_memories": getattr(entity, "total_memories", 0),
        "owner": owner,
        "metadata": entity.metadata,
        "created_at": _iso(entity.created_at),
        "updated_at": _iso(entity.updated_at),
    }


def event_output(event: Event) -> dict:
    latency = None
    if event.started_at and event.completed_at:
        latency = round((event.completed_at - event.started_at).total_seconds() * 1000, 1)
    return {
        "id": str(event.id),
        "event_type": event.event_type,
        "status": event.status,
        "payload": event.payload,
        "metadata": event.metadata,
        "results": event.results or [],
        # Engram's: what the extraction did not store, and why (no SDK reads events).
        "skipped": event.skipped or [],
        "created_at": _iso(event.created_at),
        "updated_at": _iso(event.updated_at),
        "started_at": _iso(event.started_at),
        "completed_at": _iso(event.completed_at),
        "latency": latency,
        "graph_status": None,
        "error": event.error or None,
    }
