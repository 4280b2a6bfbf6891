"""User profiles (§5.18), all kept in `Event` rows:

* "PROFILE_SETTINGS": the project's profile settings, SUCCEEDED, the newest one wins;
* "PROFILE_JOB": a trigger or sample request (its `Idempotency-Key` in `idempotency_key`);
* "PROFILE": one generation for one user (`payload.entity_id`, `payload.job_id`); the user's
  profile is the newest SUCCEEDED one, `generation_count` how many succeeded.

Profiles are enabled by default (a self-hosted server has no plan to upsell). Generation: the
LLM fills the settings' schema (or the default `{"summary", "facts_by_category"}`); offline,
the default profile is the category summary and the facts grouped by category, and a custom
schema gets the properties `schema_fill` can fill.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import ApiKey, Project
from config.enqueue import enqueue_on_commit
from config.errors import DomainError
from memories.extraction.llm import llm_configured, llm_json
from memories.jobs import (
    PROFILE,
    PROFILE_JOB,
    PROFILE_SETTINGS,
    Outcome,
    by_category,
    job_run,
    memories_matching,
    memory_lines,
)
from memories.jobs.exports import ExportDocument, schema_fill, schema_problems
from memories.jobs.summary import offline_summary
from memories.models import EntityType, Event, EventStatus
from memories.selectors.memories import entity_get, memories_of
from memories.services.events import event_create_once

SAMPLE_LIMIT_DEFAULT, SAMPLE_LIMIT_MAX = 3, 10
SAMPLE_COOLDOWN = timedelta(seconds=60)
DEFAULT_SETTINGS = {
    "enabled": True,
    "entities": {"user": {"schema": None, "custom_instructions": None}},
}
DEFAULT_SCHEMA = {
    "type": "object",
    "properties": {
        "summary": {"type": "string", "description": "A few sentences about the user."},
        "facts_by_category": {
            "type": "object",
            "description": "The user's facts, grouped by category.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}
PROFILE_SYSTEM = (
    "You build a profile of a user from their memories, as one JSON object that follows the "
    "given JSON Schema. Use only the memories provided. Answer with the JSON object only."
)


class SampledTooSoon(DomainError):
    """A sample run started less than SAMPLE_COOLDOWN ago (the API answers 429)."""


class ProfilesDisabled(DomainError):
    pass


# --- settings ---------------------------------------------------------------------------------


def profile_settings_get(*, project: Project) -> dict:
    row = (
        Event.objects.filter(
            project=project, event_type=PROFILE_SETTINGS, status=EventStatus.SUCCEEDED
        )
        .order_by("-created_at", "-id")
        .first()
    )
    return row.results if row and isinstance(row.results, dict) else json_copy(DEFAULT_SETTINGS)


def profile_settings_output(settings: dict) -> dict:
    return {
        "enabled": settings["enabled"],
        "capabilities": {
            "entity_types": ["user"],
            "operations": ["trigger", "sample"],
            "sample_limit": {"min": 1, "max": SAMPLE_LIMIT_MAX, "default": SAMPLE_LIMIT_DEFAULT},
            "generator": "llm" if llm_configured() else "offline",
        },
        "entities": settings["entities"],
    }


@transaction.atomic
def profile_settings_update(*, project: Project, api_key: ApiKey | None, changes: dict) -> dict:
    """Apply `enabled` and `entities.user.{schema, custom_instructions}`; an absent key stays,
    an explicit null clears. Anything else is "Unsupported settings"."""
    unknown = set(changes) - {"enabled", "entities"}
    if unknown:
        raise DomainError(f"Unsupported settings: {', '.join(sorted(map(str, unknown)))}")
    Project.objects.select_for_update().filter(pk=project.pk).first()  # one writer at a time
    settings = profile_settings_get(project=project)
    if "enabled" in changes:
        if not isinstance(changes["enabled"], bool):
            raise DomainError("enabled: expected true or false")
        settings["enabled"] = changes["enabled"]
    entities = changes.get("entities") or {}
    if not isinstance(entities, dict) or set(entities) - {"user"}:
        raise DomainError('Unsupported settings: entities holds only "user"')
    user = entities.get("user") or {}
    if not isinstance(user, dict) or set(user) - {"schema", "custom_instructions"}:
        raise DomainError(
            "Unsupported settings: entities.user holds schema and custom_instructions"
        )
    if "schema" in user:
        settings["entities"]["user"]["schema"] = _checked_schema(user["schema"])
    if "custom_instructions" in user:
        instructions = user["custom_instructions"]
        if instructions is not None and not isinstance(instructions, str):
            raise DomainError("custom_instructions: expected a string or null")
        settings["entities"]["user"]["custom_instructions"] = instructions
    now = timezone.now()
    Event.objects.create(
        project=project,
        api_key=api_key,
        event_type=PROFILE_SETTINGS,
        status=EventStatus.SUCCEEDED,
        payload=changes,
        results=settings,
        started_at=now,
        completed_at=now,
    )
    return settings


def _checked_schema(schema):
    if schema is None:
        return None
    if isinstance(schema, str):
        try:
            schema = json.loads(schema)
        except ValueError:
            raise DomainError("schema: expected a JSON Schema object") from None
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict) or not properties:
        raise DomainError("schema: expected a JSON Schema object with properties")
    for name, spec in properties.items():
        if not isinstance(spec, dict) or not str(spec.get("description") or "").strip():
            raise DomainError(f"schema: property {name!r} needs a description")
    problems = schema_problems({}, schema)
    if problems and problems[0].startswith("the schema is not"):
        raise DomainError(f"schema: {problems[0]}")
    return schema


def json_copy(value):
    return json.loads(json.dumps(value))


# --- selectors --------------------------------------------------------------------------------


def user_known(*, project: Project, entity_id: str) -> bool:
    return (
        entity_get(project=project, entity_type=EntityType.USER, name=entity_id) is not None
        or memories_of(project=project).filter(user_id=entity_id).exists()
    )


def users_to_sample(*, project: Project, limit: int) -> list[str]:
    """The users with the most memories (ties by name)."""
    rows = (
        memories_of(project=project)
        .exclude(user_id=None)
        .values("user_id")
        .annotate(n=Count("id"))
        .order_by("-n", "user_id")[:limit]
    )
    return [row["user_id"] for row in rows]


def profile_job_get(*, project: Project, job_id) -> Event | None:
    return Event.objects.filter(project=project, event_type=PROFILE_JOB, pk=job_id).first()


def profile_output(*, project: Project, entity_id: str) -> dict:
    rows = Event.objects.filter(project=project, event_type=PROFILE, payload__entity_id=entity_id)
    latest = rows.order_by("-created_at", "-id").first()
    done = rows.filter(status=EventStatus.SUCCEEDED).order_by("-completed_at", "-id").first()
    enabled = profile_settings_get(project=project)["enabled"]
    profile = (done.results or {}).get("profile") or {} if done else {}
    if latest is None:
        status = "insufficient_data" if enabled else "not_enabled"
    elif latest.status in {EventStatus.PENDING, EventStatus.RUNNING}:
        status = "pending"
    elif latest.status == EventStatus.FAILED:
        status = "failed"
    else:
        status = "insufficient_data" if latest.results.get("insufficient_data") else "succeeded"
    return {
        "profile": profile,
        "status": status,
        "entity_type": "user",
        "entity_id": entity_id,
        "updated_at": done.completed_at.isoformat() if done and done.completed_at else None,
        "generation_count": rows.filter(status=EventStatus.SUCCEEDED).count(),
        "error": (latest.error or None) if latest and status == "failed" else None,
    }


def profile_job_counts(job: Event) -> dict:
    children = Event.objects.filter(project=job.project_id, event_type=PROFILE)
    counts = children.filter(payload__job_id=str(job.id)).aggregate(
        total=Count("id"),
        started=Count("id", filter=~Q(status=EventStatus.PENDING)),
        failed=Count("id", filter=Q(status=EventStatus.FAILED)),
        done=Count("id", filter=Q(status=EventStatus.SUCCEEDED)),
        skipped=Count(
            "id",
            filter=Q(status=EventStatus.SUCCEEDED, results__insufficient_data=True),
        ),
    )
    succeeded = counts["done"] - counts["skipped"]
    completed = counts["done"] + counts["failed"]
    total = counts["total"]
    if completed == total:
        status = "failed" if total and counts["failed"] == total else "succeeded"
    else:
        status = "running" if counts["started"] else "pending"
    return {
        "status": status,
        "total": total,
        "enumeration_complete": True,
        "completed": completed,
        "succeeded": succeeded,
        "failed": counts["failed"],
        "skipped": counts["skipped"],
    }


def profile_job_output(job: Event) -> dict:
    return {
        "job": {
            "id": str(job.id),
            "operation": job.payload.get("operation"),
            "entity_type": "user",
            **profile_job_counts(job),
        }
    }


def profile_job_created_output(job: Event, *, replayed: bool) -> dict:
    entity_ids = job.payload.get("entity_ids") or []
    answer = {
        "job_id": str(job.id),
        "status": profile_job_counts(job)["status"],
        "status_url": f"/v2/profiles/jobs/{job.id}/",
        "operation": job.payload.get("operation"),
        "entity_type": "user",
        "entity_count_reserved": len(entity_ids),
        "event_id": str(job.id),
        "replayed": replayed,
    }
    if job.payload.get("operation") == "sample":
        answer.update(sampled=len(entity_ids), entity_ids=entity_ids)
    return answer


# --- services ---------------------------------------------------------------------------------


def profile_job_create(
    *,
    project: Project,
    api_key: ApiKey | None,
    operation: str,
    entity_id: str | None = None,
    limit: int = SAMPLE_LIMIT_DEFAULT,
    idempotency_key: str = "",
) -> tuple[Event, bool]:
    """(the job, replayed). A known Idempotency-Key returns its job; otherwise a PENDING job
    with one PENDING "PROFILE" event per user, enqueued once the transaction commits."""
    job, created = event_create_once(
        project=project,
        idempotency_key=idempotency_key,
        create=lambda: _job_create(project, api_key, operation, entity_id, limit, idempotency_key),
    )
    return (job, False) if created else _replayed(job)


def _replayed(event: Event) -> tuple[Event, bool]:
    if event.event_type != PROFILE_JOB:
        raise DomainError("This Idempotency-Key was already used by another kind of request.")
    return event, True


@transaction.atomic
def _job_create(project, api_key, operation, entity_id, limit, idempotency_key):
    from memories.jobs.tasks import profile_job_run_task

    if not profile_settings_get(project=project)["enabled"]:
        raise ProfilesDisabled(
            'Profiles are not enabled for this project: POST /v2/profiles/settings/ {"enabled": '
            "true} first."
        )
    if operation == "sample":
        Project.objects.select_for_update().filter(pk=project.pk).first()  # one sampler at once
        recent = Event.objects.filter(
            project=project,
            event_type=PROFILE_JOB,
            payload__operation="sample",
            created_at__gte=timezone.now() - SAMPLE_COOLDOWN,
        )
        if recent.exists():
            raise SampledTooSoon("A sample run was started less than 60 seconds ago: retry later.")
        entity_ids = users_to_sample(project=project, limit=limit)
    else:
        entity_ids = [entity_id]
    job = Event.objects.create(
        project=project,
        api_key=api_key,
        event_type=PROFILE_JOB,
        payload={"operation": operation, "entity_type": "user", "entity_ids": entity_ids},
        idempotency_key=idempotency_key,
    )
    Event.objects.bulk_create(
        Event(
            project=project,
            api_key=api_key,
            event_type=PROFILE,
            payload={"entity_type": "user", "entity_id": name, "job_id": str(job.id)},
        )
        for name in entity_ids
    )
    enqueue_on_commit(profile_job_run_task, str(job.id))
    return job


def profile_job_run(*, job_id) -> Event | None:
    """Generate each pending profile of the job, then close the job. A transient LLM failure
    raises TransientJobError (the task retries; finished profiles are not redone)."""
    job = Event.objects.filter(pk=job_id, event_type=PROFILE_JOB).first()
    if job is None or job.status in {EventStatus.SUCCEEDED, EventStatus.FAILED}:
        return job
    Event.objects.filter(pk=job.pk, status=EventStatus.PENDING).update(
        status=EventStatus.RUNNING, started_at=timezone.now()
    )
    children = Event.objects.filter(
        project=job.project_id, event_type=PROFILE, payload__job_id=str(job.id)
    )
    for child_id in children.order_by("created_at", "id").values_list("pk", flat=True):
        job_run(event_id=child_id, event_type=PROFILE, work=profile_work)
    counts = profile_job_counts(job)
    if counts["completed"] == counts["total"]:
        status = EventStatus.FAILED if counts["status"] == "failed" else EventStatus.SUCCEEDED
        Event.objects.filter(pk=job.pk).update(
            status=status, results=counts, completed_at=timezone.now()
        )
    return Event.objects.get(pk=job.pk)


def profile_work(event: Event) -> Outcome:
    settings = profile_settings_get(project=event.project)["entities"]["user"]
    entity_id = event.payload["entity_id"]
    memories = memories_matching(project=event.project, filters={"user_id": entity_id})
    if not memories:
        return Outcome(results={"profile": {}, "insufficient_data": True})
    schema = settings.get("schema") or DEFAULT_SCHEMA
    if llm_configured():
        user = (
            f"JSON Schema:\n{json.dumps(schema, ensure_ascii=False)}\n\n"
            f"Instructions: {settings.get('custom_instructions') or 'none'}\n\n"
            f"Memories of user {entity_id} (oldest first):\n{memory_lines(memories)}"
        )
        document, usage = llm_json(system=PROFILE_SYSTEM, user=user, schema=ExportDocument)
        outcome = Outcome(results={"profile": document.root}, usage=usage)
    else:
        profile = schema_fill(memories, schema) if settings.get("schema") else {}
        profile = profile or {
            "summary": offline_summary(memories),
            "facts_by_category": by_category(memories),
        }
        outcome = Outcome(results={"profile": profile})
    outcome.warnings += schema_problems(outcome.results["profile"], schema)
    return outcome
