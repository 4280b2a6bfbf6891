"""Applying one event's decisions to the memory store (inside the caller's transaction)."""

from __future__ import annotations

from django.utils import timezone

from memories.add_request import AddRequest
from memories.extraction.decide import Decision
from memories.models import Event, HistoryEvent, Memory, MemoryHistory
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


def apply_decisions(
    *, event: Event, add: AddRequest, decisions: list[Decision], vectors: dict
) -> list[dict]:
    """Write ADDs, UPDATEs and DELETEs with history; returns the event's results."""
    actor = Actor(api_key=event.api_key)
    results = []
    for decision in decisions:
        result = _apply_one(event, add, decision, vectors, actor)
        if result:
            results.append(result)
    if any(r["event"] == "ADD" for r in results):
        entities_upsert(project=event.project, scope=add.scope)
    memory_changes_notify(project=event.project, results=results)
    return results


def _apply_one(event, add: AddRequest, decision: Decision, vectors, actor) -> dict | None:
    if decision.event == "ADD":
        memory = _add(event, add, decision, vectors[decision.text])
        MemoryHistory.objects.bulk_create(
            [
                history_entry(
                    memory, event=HistoryEvent.ADD, old=None, actor=actor, messages=add.messages
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
    return _update(event, add, target, decision, vectors[decision.text], actor)


def _add(event: Event, add: AddRequest, decision: Decision, vector) -> Memory:
    categories = list(decision.fact.categories) if decision.fact else []
    return Memory.objects.create(
        project=event.project,
        text=decision.text,
        hash=text_hash(decision.text),
        embedding=vector,
        embedding_model=embedded_with(event.project),
        subject=decision.fact.subject if decision.fact else "",
        metadata=add.metadata,
        categories=categories,
        immutable=add.immutable,
        expiration_date=add.expiration_date,
        created_at=add.created_at or timezone.now(),
        source=_source(event, add, decision),
        **add.scope,
    )


def _update(
    event: Event, add: AddRequest, target: Memory, decision: Decision, vector, actor
) -> dict:
    old = target.text
    target.text, target.hash, target.embedding = decision.text, text_hash(decision.text), vector
    target.embedding_model = embedded_with(target.project)
    if decision.fact:
        target.categories = sorted(set(target.categories) | set(decision.fact.categories))
        target.subject = decision.fact.subject or target.subject
    target.source = _source(event, add, decision)
    target.save()
    history_write(target, event=HistoryEvent.UPDATE, old=old, actor=actor, messages=add.messages)
    memory_flags_check(memory=target)
    result = change_result(target.id, target.text, "UPDATE")
    return {**result, "previous_memory": old, "categories": target.categories}


def _source(event: Event, add: AddRequest, decision: Decision) -> dict:
    """Where the decision's text came from (provenance.py); an LLM's merged UPDATE has no
    fact of its own and is credited to the user's messages."""
    fact = decision.fact
    messages = fact.messages if fact else user_message_indexes(add.messages)
    return source_of(event.id, messages, fact.excerpt if fact else "")
