"""Writes of memories: verbatim adds, updates, deletes, batches, entities, feedback.

Every change leaves a MemoryHistory row naming its actor (an API key or a dashboard user).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Func, Q, Value
from django.utils import timezone

from accounts.models import ApiKey, Project, User
from config.enqueue import enqueue_on_commit
from config.errors import DomainError
from memories import embeddings
from memories.message_context import neighbour_context
from memories.models import (
    ENTITY_FIELDS,
    ENTITY_ID_FIELDS,
    Entity,
    Event,
    EventStatus,
    Feedback,
    HistoryEvent,
    Memory,
    MemoryHistory,
    MemoryState,
)
from memories.provenance import source_of
from memories.services.events import event_create_once
from memories.services.limits import (
    MemoryTooLarge,
    history_input,
    memory_metadata_check,
    memory_text_check,
)
from memories.services.moderation_checks import (
    feedback_flag_open,
    memories_flags_check,
    memory_flags_check,
)
from memories.services.notify import deleted_results, memory_changes_notify

UNSET = object()
MEMORY_LABEL = Memory._meta.label  # key of QuerySet.delete()'s per-model counts


class MemoryRuleError(DomainError):
    """A memory write that breaks a rule; the message is for the caller."""


class MemoryNotFound(LookupError):
    def __init__(self, missing: list[str]):
        super().__init__(f"Memory not found: {', '.join(missing)}")
        self.missing = missing


@dataclass(frozen=True)
class Actor:
    api_key: ApiKey | None = None
    user: User | None = None


@dataclass
class NewMemories:
    """What a verbatim add is asked to store."""

    texts: list[str]
    scope: dict[str, str | None]
    messages: list[dict] = field(default_factory=list)
    metadata: dict | None = None
    categories: list[str] = field(default_factory=list)
    immutable: bool = False
    expiration_date: date | None = None
    created_at: datetime | None = None


def embedded_with(project: Project) -> str:
    """The configured embedding model's key, to store beside each vector the caller writes;
    added to the project's `embedding_models` the first time, so search keeps embedding the
    query with it after the configuration changes (selectors/search_dense.py)."""
    model = embeddings.current_model()
    if model not in project.embedding_models:
        # One UPDATE per project and model, ever; the condition makes concurrent first writes
        # add it once.
        Project.objects.filter(pk=project.pk).exclude(embedding_models__contains=[model]).update(
            embedding_models=Func(F("embedding_models"), Value(model), function="array_append")
        )
        project.embedding_models = [*project.embedding_models, model]
    return model


def text_hash(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # Mem0's content hash, not a security use


def _scope_q(scope: dict[str, str | None]) -> Q:
    q = Q()
    for name in ENTITY_ID_FIELDS:
        value = scope.get(name)
        q &= Q(**{name: value}) if value else Q(**{f"{name}__isnull": True})
    return q


def history_entry(memory: Memory, *, event: str, old: str | None, actor: Actor, messages=None):
    return MemoryHistory(
        project_id=memory.project_id,
        memory=memory,
        event=event,
        old_memory=old,
        new_memory=memory.text,
        input=history_input(messages),
        **{name: getattr(memory, name) for name in ENTITY_ID_FIELDS},
        categories=memory.categories,
        metadata=memory.metadata,
        actor_api_key=actor.api_key,
        actor_user=actor.user,
    )


def history_write(memory: Memory, *, event: str, old: str | None, actor: Actor, messages=None):
    """Save a history row for a change of an existing memory, then prune the memory's history
    to MEMORY_HISTORY_MAX_ENTRIES rows: its first ADD (where it came from) and the newest others.
    Inside the caller's transaction; the (memory, created_at) index bounds both reads."""
    history_entry(memory, event=event, old=old, actor=actor, messages=messages).save()
    newest_kept = max(settings.MEMORY_HISTORY_MAX_ENTRIES - 1, 1)  # besides the first ADD
    rows = MemoryHistory.objects.filter(memory_id=memory.pk)
    newest = rows.order_by("-created_at", "-id").values("pk")[:newest_kept]
    first_add = rows.filter(event=HistoryEvent.ADD).order_by("created_at", "id").values("pk")[:1]
    rows.exclude(pk__in=newest).exclude(pk__in=first_add).delete()


def entities_upsert(
    *, project: Project, scope: dict[str, str | None], metadata: dict | None = None
) -> None:
    """One INSERT ... ON CONFLICT for the scope's entities; metadata is set only when given."""
    entities = [
        Entity(project=project, type=entity_type, name=scope[name], metadata=metadata)
        for entity_type, name in ENTITY_FIELDS.items()
        if scope.get(name)
    ]
    Entity.objects.bulk_create(
        entities,
        update_conflicts=True,
        unique_fields=["project", "type", "name"],
        update_fields=["updated_at", "metadata"] if metadata is not None else ["updated_at"],
    )


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
        memory_changes_notify(
            project=project, results=[change_result(m.id, m.text, "ADD") for m in created]
        )
        results = [change_result(m.id, m.text, "ADD") for m in created] + [
            change_result(existing[text_hash(t)], t, "NOOP")
            for t in new.texts
            if text_hash(t) in existing
        ]
        return _finished_event(
            project=project, actor=actor, new=new, results=results, event_id=event_id
        )


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
        categories=new.categories,
        immutable=new.immutable,
        expiration_date=new.expiration_date,
        created_at=new.created_at or timezone.now(),
        **{name: new.scope.get(name) for name in ENTITY_ID_FIELDS},
    )


def change_result(memory_id, text: str, event: str) -> dict:
    """One entry of a change's results (ADD, UPDATE, DELETE or NOOP), as the API answers it,
    the Event keeps it and the webhooks read it."""
    return {"id": str(memory_id), "memory": text, "data": {"memory": text}, "event": event}


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
    )


def event_create_pending(
    *,
    project: Project,
    actor: Actor,
    payload: dict,
    idempotency_key: str = "",
    enqueue: bool = True,
) -> tuple[Event, bool]:
    """A PENDING add for the extraction worker; a repeated Idempotency-Key returns the first.
    `enqueue=False` when the caller runs the extraction itself (async_mode=false)."""
    from memories.tasks import memory_extract_task

    def create() -> Event:
        event = Event.objects.create(
            project=project,
            api_key=actor.api_key,
            event_type="ADD",
            payload=payload,
            metadata=payload.get("metadata"),
            idempotency_key=idempotency_key,
        )
        if enqueue:
            enqueue_on_commit(memory_extract_task, str(event.id))
        return event

    return event_create_once(project=project, idempotency_key=idempotency_key, create=create)


@transaction.atomic
def memory_update(
    *,
    memory: Memory,
    actor: Actor,
    text: str | None = None,
    metadata=UNSET,
    expiration_date=UNSET,
    created_at: datetime | None = None,
    vector=None,
) -> Memory:
    """Change a memory. `metadata` is merged as a JSON merge patch (null removes a key)."""
    if memory.immutable:
        raise MemoryRuleError(
            f"Memory {memory.id} is immutable: it cannot be updated. Delete it and add a new one."
        )
    if text is not None:
        memory_text_check(text)
    old_text = memory.text
    if text is not None and text != memory.text:
        memory.text, memory.hash = text, text_hash(text)
        memory.embedding = vector if vector is not None else embeddings.embed_texts([text])[0]
        memory.embedding_model = embedded_with(memory.project)
    if metadata is not UNSET:
        memory.metadata = merge_patch(memory.metadata, metadata)
        memory_metadata_check(memory.metadata)  # what is stored: the patch merged in
    if expiration_date is not UNSET:
        memory.expiration_date = expiration_date
    if created_at is not None:
        memory.created_at = created_at
    memory.save()
    history_write(memory, event=HistoryEvent.UPDATE, old=old_text, actor=actor)
    if memory.text != old_text:
        memory_flags_check(memory=memory)
    memory_changes_notify(
        project=memory.project, results=[change_result(memory.id, memory.text, "UPDATE")]
    )
    return memory


@transaction.atomic
def memory_archive(*, memory: Memory, actor: Actor) -> Memory:
    """Hide a memory from every read without erasing it (moderation). To the API it is gone, so
    its history and webhooks say DELETE, as for a deletion."""
    memory.state = MemoryState.ARCHIVED
    memory.save(update_fields=["state", "updated_at"])
    history_write(memory, event=HistoryEvent.DELETE, old=memory.text, actor=actor)
    memory_changes_notify(
        project=memory.project, results=[change_result(memory.id, memory.text, "DELETE")]
    )
    return memory


def merge_patch(target, patch):
    """RFC 7396: dicts merge recursively, null deletes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _superseded_chain(memory: Memory) -> list[uuid.UUID]:
    """Ids of the older memories this one replaced, transitively."""
    chain, frontier = [], [memory.id]
    while frontier:
        frontier = list(
            Memory.objects.filter(project_id=memory.project_id, replaced_by_id__in=frontier)
            .exclude(pk__in=chain)
            .values_list("pk", flat=True)
        )
        chain.extend(frontier)
    return chain


@transaction.atomic
def memory_delete(*, memory: Memory, delete_linked: bool = False) -> int:
    """Delete a memory (and its history); returns how many linked older memories went too."""
    linked = _superseded_chain(memory) if delete_linked else []
    doomed = Memory.objects.filter(project_id=memory.project_id, pk__in=[memory.pk, *linked])
    _delete_notifying(memory.project, doomed)
    return len(linked)


@transaction.atomic
def memories_delete_where(*, project: Project, where: Q) -> int:
    """One set-based DELETE (no page-by-page loop that stops at 100), then orphaned entities."""
    deleted = _delete_notifying(project, Memory.objects.filter(project=project).filter(where))
    entities_prune(project=project)
    return deleted


def entities_prune(*, project: Project) -> None:
    """Drop entities that no longer have any memory."""
    for entity_type, name in ENTITY_FIELDS.items():
        alive = Memory.objects.filter(project=project).exclude(**{f"{name}__isnull": True})
        Entity.objects.filter(project=project, type=entity_type).exclude(
            name__in=alive.values(name)
        ).delete()


@transaction.atomic
def entity_delete(*, entity: Entity) -> int:
    field_name = ENTITY_FIELDS[entity.type]
    memories = Memory.objects.filter(project_id=entity.project_id, **{field_name: entity.name})
    deleted = _delete_notifying(entity.project, memories)
    entity.delete()
    return deleted


def memories_batch_update(*, project: Project, items: list[dict], actor: Actor) -> int:
    """Update up to 1000 memories atomically: all exist and are mutable, or nothing changes."""
    for index, item in enumerate(items):  # before anything is embedded or written
        if item.get("text") is not None:
            memory_text_check(item["text"], name=f"memories[{index}].text")
    by_id = _memories_by_id(project=project, ids=[item["memory_id"] for item in items])
    texts = [item["text"] for item in items if item.get("text") is not None]
    vectors = dict(zip(texts, embeddings.embed_texts(texts), strict=True)) if texts else {}
    with transaction.atomic():
        for index, item in enumerate(items):
            try:
                memory_update(
                    memory=by_id[item["memory_id"]],
                    actor=actor,
                    text=item.get("text"),
                    metadata=item.get("metadata", UNSET),
                    vector=vectors.get(item.get("text")),
                )
            except MemoryTooLarge as error:  # say which item: its merged metadata is too large
                raise MemoryTooLarge(f"memories[{index}].{error}") from None
    return len(items)


@transaction.atomic
def memories_batch_delete(*, project: Project, ids: list[uuid.UUID]) -> int:
    _memories_by_id(project=project, ids=ids)
    _delete_notifying(project, Memory.objects.filter(project=project, pk__in=ids))
    return len(set(ids))


def _delete_notifying(project: Project, memories) -> int:
    """One set-based DELETE; memory_delete webhooks (if any) are told on commit."""
    results = deleted_results(project=project, memories=memories)
    _, per_model = memories.delete()
    memory_changes_notify(project=project, results=results)
    return per_model.get(MEMORY_LABEL, 0)


def _memories_by_id(*, project: Project, ids: list[uuid.UUID]) -> dict[uuid.UUID, Memory]:
    found = {m.id: m for m in Memory.objects.filter(project=project, pk__in=ids)}
    for memory in found.values():
        memory.project = project  # what memory_update reads, without a query per memory
    missing = [str(i) for i in dict.fromkeys(ids) if i not in found]
    if missing:
        raise MemoryNotFound(missing)
    return found


@transaction.atomic
def feedback_set(
    *, memory: Memory, feedback: str | None, reason: str | None, actor: Actor
) -> Feedback:
    record, _ = Feedback.objects.update_or_create(
        memory=memory,
        defaults={
            "project_id": memory.project_id,
            "feedback": feedback,
            "feedback_reason": reason,
            "api_key": actor.api_key,
        },
    )
    feedback_flag_open(memory=memory, feedback=feedback, comment=reason)
    return record
