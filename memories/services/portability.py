"""Lossless export of a whole project as JSON Lines, for moving it between Engram instances.

Format (``engram-project``, version 1), UTF-8, one JSON object per line:

1. A header::

       {"format": "engram-project", "version": 1, "exported_at": "<ISO 8601>",
        "engram_embedding_model": "multilingual-e5-small", "embedding_dim": 384,
        "embeddings": true,
        "organization": {"public_id": "org_…", "name": "…"},
        "project": {"public_id": "proj_…", "name": "…", "description": "…",
                    "custom_instructions": …, "agent_custom_instructions": …,
                    "custom_categories": …, "multilingual": …, "decay": …, "memory_depth": …,
                    "usecase_setting": …, "inclusion_prompt": …, "exclusion_prompt": …,
                    "retrieval_criteria": …, "rate_limit_per_minute": …,
                    "created_at": …, "updated_at": …}}

2. Then one line per record, grouped in this order (an importer may rely on it: memories come
   before the history and feedback that point at them):

   - ``{"type": "entity", "entity_type", "name", "metadata", "created_at", "updated_at"}``
   - ``{"type": "memory", "id" (UUID), "text", "hash", "embedding" (list of floats, absent
     with --no-embeddings), "embedding_model" (the model key that made it, beside
     "embedding"; older files: the header's "engram_embedding_model"), "user_id",
     "agent_id", "app_id", "run_id", "metadata",
     "categories", "immutable", "expiration_date", "subject", "context" (the neighbouring
     messages search indexes; absent in older files), "source" (provenance: event, message
     indexes, excerpt; absent in older files), "state", "replaced_by" (UUID or
     null), "created_at", "updated_at", "access_count", "last_accessed_at"}``
   - ``{"type": "history", "id", "memory", "event", "old_memory", "new_memory", "input",
     "user_id", "agent_id", "app_id", "run_id", "categories", "metadata", "actor",
     "created_at", "updated_at"}`` where ``actor`` is ``"key:eg_<prefix>"``,
     ``"user:<email>"`` or null (information; keys never travel)
   - ``{"type": "feedback", "id", "memory", "feedback", "feedback_reason", "created_at",
     "updated_at"}``
   - ``{"type": "event", "id", "event_type", "status", "payload", "metadata", "results",
     "skipped" (absent in older files), "usage", "error", "created_at", "updated_at",
     "started_at", "completed_at"}``
   - ``{"type": "webhook", "webhook_id", "name", "url", "event_types", "is_active",
     "created_at", "updated_at"}`` (never the secret: the importer makes a new one)

Timestamps are ISO 8601 with their offset, dates ``YYYY-MM-DD``, embeddings float32 values
written with 9 significant digits (enough to read back the same float32). API keys, their
digests, members and webhook secrets are never written. Rows are read with server-side
cursors and written as they come, so memory use does not grow with the project.

The importer is `memories.services.portability_import.project_import`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import Model
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from accounts.models import Project
from accounts.services import PROJECT_EDITABLE_FIELDS
from memories import embeddings
from memories.models import ENTITY_ID_FIELDS, Entity, Event, Feedback, Memory, MemoryHistory
from memories.models_webhooks import Webhook

FORMAT = "engram-project"
VERSION = 1
BATCH_SIZE = 1000
PROGRESS_EVERY = 10_000

PROJECT_SETTINGS = PROJECT_EDITABLE_FIELDS  # every setting a project has
ENTITY_FIELDS = ("metadata", "created_at", "updated_at")
MEMORY_FIELDS = (
    "text",
    "hash",
    *ENTITY_ID_FIELDS,
    "metadata",
    "categories",
    "immutable",
    "expiration_date",
    "subject",
    "context",
    "source",
    "state",
    "created_at",
    "updated_at",
    "access_count",
    "last_accessed_at",
)
HISTORY_FIELDS = (
    "event",
    "old_memory",
    "new_memory",
    "input",
    *ENTITY_ID_FIELDS,
    "categories",
    "metadata",
    "created_at",
    "updated_at",
)
FEEDBACK_FIELDS = ("feedback", "feedback_reason", "created_at", "updated_at")
EVENT_FIELDS = (
    "event_type",
    "status",
    "payload",
    "metadata",
    "results",
    "skipped",
    "usage",
    "error",
    "created_at",
    "updated_at",
    "started_at",
    "completed_at",
)
WEBHOOK_FIELDS = ("name", "url", "event_types", "is_active", "created_at", "updated_at")

# Record type -> (model, exported fields); the order of the file.
DATETIME_FIELDS = frozenset(
    {"created_at", "updated_at", "last_accessed_at", "started_at", "completed_at"}
)
DATE_FIELDS = frozenset({"expiration_date"})
RECORD_TYPES = ("entity", "memory", "history", "feedback", "event", "webhook")


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _fields(obj: Model, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _json_value(getattr(obj, name)) for name in names}


def embedding_list(vector) -> list[float] | None:
    """A float32 vector as JSON-friendly floats of 9 significant digits (lossless for float32)."""
    if vector is None:
        return None
    return [float(f"{v:.9g}") for v in vector]


def export_header(project: Project, *, include_embeddings: bool = True) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        # The configured model; each memory names its own ("embedding_model").
        "engram_embedding_model": embeddings.current_model(),
        "embedding_dim": settings.EMBEDDING_DIM,
        "embeddings": include_embeddings,
        "organization": {
            "public_id": project.organization.public_id,
            "name": project.organization.name,
        },
        "project": {
            "public_id": project.public_id,
            **_fields(project, PROJECT_SETTINGS),
            "created_at": project.created_at.isoformat(),
            "updated_at": project.updated_at.isoformat(),
        },
    }


def _actor(history: MemoryHistory) -> str | None:
    if history.actor_api_key_id is not None:
        return f"key:eg_{history.actor_api_key.prefix}"
    if history.actor_user_id is not None:
        return f"user:{history.actor_user.email}"
    return None


def project_export_records(
    *, project: Project, include_embeddings: bool = True
) -> Iterator[dict[str, Any]]:
    """The header, then every record of the project, one dict at a time (see the docstring)."""
    yield export_header(project, include_embeddings=include_embeddings)
    for entity in (
        Entity.objects.filter(project=project)
        .order_by("type", "name")
        .iterator(chunk_size=BATCH_SIZE)
    ):
        yield {
            "type": "entity",
            "entity_type": entity.type,
            "name": entity.name,
            **_fields(entity, ENTITY_FIELDS),
        }
    memories = Memory.objects.filter(project=project).order_by("created_at", "id")
    if not include_embeddings:
        memories = memories.defer("embedding")
    for memory in memories.defer("search_vector").iterator(chunk_size=BATCH_SIZE):
        record = {"type": "memory", "id": str(memory.id), **_fields(memory, MEMORY_FIELDS)}
        record["replaced_by"] = str(memory.replaced_by_id) if memory.replaced_by_id else None
        if include_embeddings:
            record["embedding"] = embedding_list(memory.embedding)
            record["embedding_model"] = memory.embedding_model
        yield record
    history = (
        MemoryHistory.objects.filter(project=project)
        .select_related("actor_api_key", "actor_user")
        .order_by("created_at", "id")
    )
    for entry in history.iterator(chunk_size=BATCH_SIZE):
        yield {
            "type": "history",
            "id": str(entry.id),
            "memory": str(entry.memory_id),
            **_fields(entry, HISTORY_FIELDS),
            "actor": _actor(entry),
        }
    feedback = Feedback.objects.filter(project=project).order_by("created_at", "id")
    for item in feedback.iterator(chunk_size=BATCH_SIZE):
        yield {
            "type": "feedback",
            "id": str(item.id),
            "memory": str(item.memory_id),
            **_fields(item, FEEDBACK_FIELDS),
        }
    events = Event.objects.filter(project=project).order_by("created_at", "id")
    for event in events.iterator(chunk_size=BATCH_SIZE):
        yield {"type": "event", "id": str(event.id), **_fields(event, EVENT_FIELDS)}
    for webhook in Webhook.objects.filter(project=project).order_by("created_at", "id"):
        yield {
            "type": "webhook",
            "webhook_id": webhook.webhook_id,
            **_fields(webhook, WEBHOOK_FIELDS),
        }


def project_export(
    *, project: Project, include_embeddings: bool = True, progress=None
) -> Iterator[str]:
    """The export as lines of JSON (each ending in a newline), produced as they are read."""
    counts: dict[str, int] = {}
    for record in project_export_records(project=project, include_embeddings=include_embeddings):
        kind = record.get("type", "header")
        counts[kind] = counts.get(kind, 0) + 1
        total = sum(counts.values())
        if progress and total % PROGRESS_EVERY == 0:
            progress(f"exported {total:,} records")
        yield json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
    if progress:
        counts.pop("header", None)
        progress("exported " + summary(counts))


def _parse(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in DATETIME_FIELDS:
        return parse_datetime(value)
    if name in DATE_FIELDS:
        return parse_date(value)
    return value


def record_values(record: dict, names: tuple[str, ...]) -> dict[str, Any]:
    """The named fields of a record as model values (dates and datetimes parsed)."""
    return {name: _parse(name, record.get(name)) for name in names if name in record}


def summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts.get(kind, 0):,} {kind}" for kind in RECORD_TYPES)
