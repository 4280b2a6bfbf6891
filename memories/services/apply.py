"""Applying one event's decisions to the memory store (inside the caller's transaction)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone

from memories.extraction.decide import Decision
from memories.models import ENTITY_ID_FIELDS, Event, HistoryEvent, Memory, MemoryHistory
from memories.provenance import source_of, user_message_indexes
from memories.services.memories import (
    Actor,
    change_result,
    embedded_with,
    entities_upsert,
    history_entry,
    history_write,
    text_hash,
)
from memories.services.moderation_checks import memory_flags_check
from memories.services.notify import memory_changes_notify


def apply_decisions(*, event: Event, decisions: list[Decision], vectors: dict) -> list[dict]:
    """Write ADDs, UPDATEs and DELETEs with history; returns the event's results."""
    payload, actor = event.payload, Actor(api_key=event.api_key)
    messages = payload.get("messages") or []
    scope = {name: payload.get(name) for name in ENTITY_ID_FIELDS}
    results = []
    for decision in decisions:
        result = _apply_one(event, decision, vectors, scope, actor, messages)
        if result:
            results.append(result)
    if any(r["event"] == "ADD" for r in results):
        entities_upsert(project=event.project, scope=scope)
    memory_changes_notify(project=event.project, results=results)
    return results


def _apply_one(event, decision: Decision, vectors, scope, actor, messages) -> dict | None:
    if decision.event == "ADD":
        memory = _add(event, decision, vectors[decision.text], scope)
        MemoryHistory.objects.bulk_create(
            [
                history_entry(
                    memory, event=HistoryEvent.ADD, old=None, actor=actor, messages=messages
                )
            ]
        )
        memory_flags_check(memory=memory)
        return {**change_result(memory.id, memory.text, "ADD"), "categories": memory.categories}
    target = Memory.objects.select_for_update().filter(pk=decision.target.id).first()
    if target is None:  # deleted since we looked: nothing to change
        return None
    if decision.event == "NOOP":
        return change_result(target.id, target.text, "NOOP")
    if decision.event == "DELETE":
        target.delete()
        return change_result(decision.target.id, target.text, "DELETE")
    return _update(event, target, decision, vectors[decision.text], actor, messages)


def _add(event: Event, decision: Decision, vector, scope) -> Memory:
    payload = event.payload
    categories = list(decision.fact.categories) if decision.fact else []
    created_at = _created_at(payload)
    return Memory.objects.create(
        project=event.project,
        text=decision.text,
        hash=text_hash(decision.text),
        embedding=vector,
        embedding_model=embedded_with(event.project),
        subject=decision.fact.subject if decision.fact else "",
        metadata=payload.get("metadata"),
        categories=categories,
        immutable=bool(payload.get("immutable")),
        expiration_date=payload.get("expiration_date"),
        created_at=created_at,
        source=_source(event, decision),
        **scope,
    )


def _update(event: Event, target: Memory, decision: Decision, vector, actor, messages) -> dict:
    old = target.text
    target.text, target.hash, target.embedding = decision.text, text_hash(decision.text), vector
    target.embedding_model = embedded_with(target.project)
    if decision.fact:
        target.categories = sorted(set(target.categories) | set(decision.fact.categories))
        target.subject = decision.fact.subject or target.subject
    target.source = _source(event, decision)
    target.save()
    history_write(target, event=HistoryEvent.UPDATE, old=old, actor=actor, messages=messages)
    memory_flags_check(memory=target)
    result = change_result(target.id, target.text, "UPDATE")
    return {**result, "previous_memory": old, "categories": target.categories}


def _source(event: Event, decision: Decision) -> dict:
    """Where the decision's text came from (provenance.py); an LLM's merged UPDATE has no
    fact of its own and is credited to the user's messages."""
    fact = decision.fact
    messages = fact.messages if fact else user_message_indexes(event.payload.get("messages") or [])
    return source_of(event.id, messages, fact.excerpt if fact else "")


def _created_at(payload: dict) -> datetime:
    stamp = payload.get("timestamp")
    if isinstance(stamp, int | float) and not isinstance(stamp, bool):
        return datetime.fromtimestamp(stamp, tz=UTC)
    return timezone.now()
