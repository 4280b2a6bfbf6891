"""Writes of memories: updates, deletes, batches, entities, feedback (adds: services/add.py).

Every change leaves a MemoryHistory row naming its actor (an API key or a dashboard user).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext as _

from accounts.models import ApiKey, Project, User
from config.errors import DomainError
from memories import embeddings
from memories.models import (
    ENTITY_FIELDS,
    ENTITY_ID_FIELDS,
    Entity,
    Feedback,
    HistoryEvent,
    Memory,
    MemoryHistory,
    MemoryState,
)
from memories.services.limits import (
    MemoryTooLarge,
    history_input,
    memory_metadata_check,
    memory_text_check,
)
from memories.services.moderation_checks import feedback_flag_open, memory_flags_check
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


def change_result(memory_id, text: str, event: str) -> dict:
    """One entry of a change's results (ADD, UPDATE, DELETE or NOOP), as the API answers it,
    the Event keeps it and the webhooks read it."""
    return {"id": str(memory_id), "memory": text, "data": {"memory": text}, "event": event}


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
            _("Memory %(id)s is immutable: it cannot be updated. Delete it and add a new one.")
            % {"id": memory.id}
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
    _deleted, per_model = memories.delete()
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
    record, _created = Feedback.objects.update_or_create(
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
