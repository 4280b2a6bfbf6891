"""Memory exports (§5.14): a request becomes a PENDING "EXPORT" event; the worker fills it.

With an LLM, the LLM fills the requested schema from the matching memories. Without one the
export is a faithful structured dump (`memories`, `by_category`, `count`) plus whatever
top-level schema properties can be filled from it (see `schema_fill`). Either way the result is
checked against the schema with `jsonschema`; a mismatch is kept and noted as a warning.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from django.db import transaction
from pydantic import RootModel

from accounts.models import ApiKey, Project
from config.enqueue import enqueue_on_commit
from memories.extraction.llm import llm_configured, llm_json
from memories.jobs import (
    EXPORT,
    Outcome,
    by_category,
    canonical_filters,
    job_run,
    memories_matching,
    memory_lines,
)
from memories.models import Event, Memory
from memories.text import content_words, stem, words

GENERIC_LISTS = {"memories", "facts", "items", "notes", "memory", "all_memories", "entries"}
COUNT_NAMES = {"count", "memory_count", "total", "total_memories"}
EXPORT_SYSTEM = (
    "You export what is known about a person or agent as one JSON object that follows the "
    "given JSON Schema exactly. Use only the memories provided; leave out (or use null for) "
    "what they do not say. Answer with the JSON object only."
)


class ExportDocument(RootModel[dict[str, Any]]):
    """Any JSON object: the schema check happens afterwards, with jsonschema."""


# --- selectors --------------------------------------------------------------------------------


def exports_of(*, project: Project):
    return Event.objects.filter(project=project, event_type=EXPORT)


def export_get(*, project: Project, export_id: uuid.UUID) -> Event | None:
    return exports_of(project=project).filter(pk=export_id).first()


def export_latest(*, project: Project, filters: dict) -> Event | None:
    """The newest export requested with these filters (compared in canonical form)."""
    wanted = canonical_filters(filters)
    return (
        exports_of(project=project)
        .filter(payload__filters=wanted)
        .order_by("-created_at", "-id")
        .first()
    )


# --- services ---------------------------------------------------------------------------------


@transaction.atomic
def export_request(
    *, project: Project, api_key: ApiKey | None, schema: dict, filters: dict, instructions: str
) -> Event:
    """A PENDING export; the worker picks it up once the transaction commits."""
    from memories.jobs.tasks import export_run_task

    event = Event.objects.create(
        project=project,
        api_key=api_key,
        event_type=EXPORT,
        payload={
            "schema": schema,
            "filters": canonical_filters(filters),
            "export_instructions": instructions,
        },
    )
    enqueue_on_commit(export_run_task, str(event.id))
    return event


def export_run(*, event_id) -> Event | None:
    return job_run(event_id=event_id, event_type=EXPORT, work=export_work)


def export_work(event: Event) -> Outcome:
    payload = event.payload
    memories = memories_matching(project=event.project, filters=payload["filters"])
    schema = payload.get("schema") or {}
    if llm_configured():
        user = (
            f"JSON Schema:\n{json.dumps(schema, ensure_ascii=False)}\n\n"
            f"Instructions: {payload.get('export_instructions') or 'none'}\n\n"
            f"Memories ({len(memories)}, oldest first):\n{memory_lines(memories)}"
        )
        document, usage = llm_json(system=EXPORT_SYSTEM, user=user, schema=ExportDocument)
        outcome = Outcome(results=document.root, usage=usage)
    else:
        outcome = Outcome(results=offline_export(memories, schema))
    outcome.warnings += schema_problems(outcome.results, schema)
    return outcome


# --- domain logic -----------------------------------------------------------------------------


def offline_export(memories: list[Memory], schema: dict) -> dict:
    """The structured dump, then the schema's top-level properties that can be filled."""
    base = {
        "memories": [
            {
                "id": str(memory.id),
                "memory": memory.text,
                "categories": memory.categories or [],
                "created_at": memory.created_at.isoformat(),
            }
            for memory in memories
        ],
        "by_category": by_category(memories),
        "count": len(memories),
    }
    return {**base, **schema_fill(memories, schema)}


def schema_fill(memories: list[Memory], schema: dict) -> dict:
    """Top-level schema properties filled from the memories, without an LLM:

    * a property named like a category (`food`, `Food`, `food_preferences` for `food`) gets that
      category's memory texts: a list for an array, the texts joined by "; " for a string;
    * an array of strings whose name words appear in memory texts gets those texts;
    * a generic list (`memories`, `facts`, `notes`...) gets every text;
    * `count` / `memory_count` / `total` (integer) gets the number of memories.
    Properties that cannot be filled are left out."""
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return {}
    groups = {_words_key(name): texts for name, texts in by_category(memories).items()}
    filled: dict = {}
    for name, spec in properties.items():
        spec = spec if isinstance(spec, dict) else {}
        kind = spec.get("type")
        texts = _texts_for(name, groups, memories, kind)
        if kind == "integer" and name.lower() in COUNT_NAMES:
            filled[name] = len(memories)
        elif texts and kind == "array" and _string_items(spec):
            filled[name] = texts
        elif texts and kind == "string":
            filled[name] = "; ".join(texts)
    return filled


def _texts_for(name: str, groups: dict, memories: list[Memory], kind) -> list[str]:
    key = _words_key(name)
    for category, texts in groups.items():
        if category == key or key.startswith(category + "_"):
            return texts
    if kind != "array":
        return []
    if key in GENERIC_LISTS:
        return [memory.text for memory in memories]
    # up to a light stem, so "allergies" finds "Allergic to peanuts"; 过敏 finds 对奶酪过敏
    wanted = {stem(word) for word in content_words(key)}
    return [memory.text for memory in memories if wanted & {stem(w) for w in words(memory.text)}]


def _words_key(name: str) -> str:
    """The name as a key: FoodPreferences and food-preferences give food_preferences; letters
    of any script are kept, so Chinese names do not all become the empty key."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(name))
    return re.sub(r"[\W_]+", "_", spaced.lower()).strip("_")


def _string_items(spec: dict) -> bool:
    items = spec.get("items")
    return not isinstance(items, dict) or items.get("type") in (None, "string")


def schema_problems(document, schema: dict) -> list[str]:
    """Where `document` breaks `schema` (at most five), or [] when jsonschema is missing."""
    try:
        import jsonschema
    except ImportError:  # optional: without it the output is not checked
        return []
    if not isinstance(schema, dict) or not schema:
        return []
    try:
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return [f"the schema is not a valid JSON Schema: {exc.message}"[:500]]
    errors = sorted(validator_class(schema).iter_errors(document), key=lambda e: list(e.path))
    return [
        f"{'.'.join(str(p) for p in error.path) or '(root)'}: {error.message}"[:300]
        for error in errors[:5]
    ]


def export_answer(event: Event) -> dict:
    """What the get step returns: the exported object, or where the export stands."""
    if event.status == "SUCCEEDED":
        return event.results if isinstance(event.results, dict) else {"data": event.results}
    if event.status == "FAILED":
        return {
            "id": str(event.id),
            "status": "FAILED",
            "message": "Export failed",
            "error": event.error or None,
        }
    return {"id": str(event.id), "status": "PENDING", "message": "Export is still processing"}
