"""Adds: an add call stored verbatim now, or queued for the extraction pipeline.

`memories_add` takes the call (an `AddRequest`) from the API; `memories_add_verbatim` also
stores what a person types on the dashboard. Every memory leaves a MemoryHistory row naming
its actor.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Project
from config.enqueue import enqueue_on_commit
from memories import embeddings
from memories.add_request import AddRequest
from memories.message_context import neighbour_context
from memories.models import (
    ENTITY_ID_FIELDS,
    Event,
    EventStatus,
    HistoryEvent,
    Memory,
    MemoryHistory,
)
from memories.provenance import source_of
from memories.services.events import event_create_once
from memories.services.extraction import extraction_run_now
from memories.services.limits import memory_metadata_check, memory_text_check
from memories.services.memories import (
    Actor,
    change_result,
    embedded_with,
    entities_upsert,
    history_entry,
    text_hash,
)
from memories.services.moderation_checks import memories_flags_check
from memories.services.notify import memory_changes_notify


@dataclass
class NewMemories:
    """What a verbatim add is asked to store."""

    texts: list[str]
    scope: dict[str, str | None]
    messages: list[dict] = field(default_factory=list)
    metadata: dict | None = None
    immutable: bool = False
    expiration_date: date | None = None
    created_at: datetime | None = None
    idempotency_key: str = ""  # the event keeps it: a retried call gets this event back


def memories_add(*, project: Project, add: AddRequest, actor: Actor) -> Event:
    """The event of an add call, or the first one for a repeated Idempotency-Key. infer=false:
    the texts stored now (SUCCEEDED). Otherwise a PENDING event for the extraction worker;
    with async_mode=false the extraction runs here, and the worker retries a transient failure.
    """
    if not add.infer:
        new = NewMemories(
            texts=add.texts,
            scope=add.scope,
            messages=add.messages,
            metadata=add.metadata,
            immutable=add.immutable,
            expiration_date=add.expiration_date,
            created_at=add.created_at,
            idempotency_key=add.idempotency_key,
        )
        event, _ = event_create_once(
            project=project,
            idempotency_key=add.idempotency_key,
            create=lambda: memories_add_verbatim(project=project, new=new, actor=actor),
        )
        return event
    event, created = _event_create_pending(project=project, actor=actor, add=add)
    if created and not add.async_mode:
        return extraction_run_now(event_id=event.id)
    return event


def _event_create_pending(*, project: Project, actor: Actor, add: AddRequest) -> tuple[Event, bool]:
    from memories.tasks import memory_extract_task

    def create() -> Event:
        event = Event.objects.create(
            project=project,
            api_key=actor.api_key,
            event_type="ADD",
            payload=add.to_payload(),
            metadata=add.metadata,
            idempotency_key=add.idempotency_key,
        )
        if add.async_mode:  # else the caller runs the extraction itself
            enqueue_on_commit(memory_extract_task, str(event.id))
        return event

    return event_create_once(project=project, idempotency_key=add.idempotency_key, create=create)


def memories_add_verbatim(*, project: Project, new: NewMemories, actor: Actor) -> Event:
    """Store each text as a memory (infer=false), skipping texts the scope already holds."""
    for text in new.texts:
        memory_text_check(text, name="memory text")
    memory_metadata_check(new.metadata)
    existing = dict(
        Memory.objects.filter(project=project, hash__in=[text_hash(t) for t in new.texts])
        .filter(_scope_q(new.scope))
        .values_list("hash", "id")
    )
    fresh = list(dict.fromkeys(t for t in new.texts if text_hash(t) not in existing))
    vectors = embeddings.embed_texts(fresh) if fresh else []
    contexts = neighbour_context(new.texts)  # adjacent messages, indexed for search
    event_id = uuid.uuid4()  # the event is written last; its memories name it
    said = _message_indexes(new)
    with transaction.atomic():
        created = Memory.objects.bulk_create(
            [
                _new_memory(
                    project,
                    new,
                    text,
                    vector,
                    context=contexts[text],
                    source=source_of(event_id, said.get(text, ()), text),
                )
                for text, vector in zip(fresh, vectors, strict=True)
            ]
        )
        MemoryHistory.objects.bulk_create(
            history_entry(m, event=HistoryEvent.ADD, old=None, actor=actor, messages=new.messages)
            for m in created
        )
        entities_upsert(project=project, scope=new.scope)
        memories_flags_check(memories=created)
        added = [change_result(m.id, m.text, "ADD") for m in created]
        memory_changes_notify(project=project, results=added)
        kept = [
            change_result(existing[text_hash(t)], t, "NOOP")
            for t in new.texts
            if text_hash(t) in existing
        ]
        return _finished_event(
            project=project, actor=actor, new=new, results=added + kept, event_id=event_id
        )


def _scope_q(scope: dict[str, str | None]) -> Q:
    q = Q()
    for name in ENTITY_ID_FIELDS:
        value = scope.get(name)
        q &= Q(**{name: value}) if value else Q(**{f"{name}__isnull": True})
    return q


def _message_indexes(new: NewMemories) -> dict[str, tuple[int, ...]]:
    """Each text's place(s) among the add's messages (a text said twice is stored once)."""
    found: dict[str, tuple[int, ...]] = {}
    texts = set(new.texts)
    for index, message in enumerate(new.messages):
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str) and content in texts:
            found[content] = (*found.get(content, ()), index)
    return found


def _new_memory(
    project: Project, new: NewMemories, text: str, vector, context="", source=None
) -> Memory:
    return Memory(
        project=project,
        text=text,
        context=context,
        source=source or {},
        hash=text_hash(text),
        embedding=vector,
        embedding_model=embedded_with(project),
        metadata=new.metadata,
        immutable=new.immutable,
        expiration_date=new.expiration_date,
        created_at=new.created_at or timezone.now(),
        **{name: new.scope.get(name) for name in ENTITY_ID_FIELDS},
    )


def _finished_event(
    *, project, actor: Actor, new: NewMemories, results: list[dict], event_id=None
) -> Event:
    now = timezone.now()
    return Event.objects.create(
        id=event_id or uuid.uuid4(),
        project=project,
        api_key=actor.api_key,
        event_type="ADD",
        status=EventStatus.SUCCEEDED,
        payload={"messages": new.messages, **{k: v for k, v in new.scope.items() if v}},
        metadata=new.metadata,
        results=results,
        started_at=now,
        completed_at=now,
        idempotency_key=new.idempotency_key,
    )
