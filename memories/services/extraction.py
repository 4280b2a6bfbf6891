"""The extraction pipeline (DESIGN §4), run by the worker for each PENDING add event.

claim (conditional UPDATE + lease) → normalise → extract facts → embed in one batch → closest
memories of the scope → decide → apply everything in one transaction with the event's
SUCCEEDED → webhooks on commit. The slow parts (LLM, embeddings) run outside the transaction;
the apply re-checks that this run still owns the event, so a run that lost its lease (its
worker was presumed dead) writes nothing: every event is applied exactly once.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Project
from memories import embeddings
from memories.add_request import AddRequest
from memories.extraction.decide import Decision, Known, decide, forget_requests
from memories.extraction.facts import ExtractionOptions, NewFact, extract
from memories.extraction.llm import LLMError, LLMUnavailable, Usage
from memories.messages import normalized
from memories.models import Event, EventStatus
from memories.selectors.search_dense import memory_nearest
from memories.services.apply import apply_decisions
from memories.services.limits import memory_text_fits

logger = logging.getLogger(__name__)
CANDIDATES_PER_FACT = 5
WRITES = frozenset({"ADD", "UPDATE"})  # the decisions that store a text


class TransientExtractionError(Exception):
    """Try again later: the LLM or the embedder is unreachable or busy."""


@dataclass
class Plan:
    add: AddRequest  # what the event's payload asks for
    decisions: list[Decision]
    vectors: dict[str, list[float]]
    usage: Usage = field(default_factory=Usage)
    skipped: list[dict] = field(default_factory=list)  # Event.skipped


def event_claim(*, event_id: uuid.UUID) -> Event | None:
    """Take the event (PENDING, or RUNNING with an expired lease); None if another run has it."""
    now = timezone.now()
    claimable = Q(status=EventStatus.PENDING) | Q(
        status=EventStatus.RUNNING, lease_expires_at__lt=now
    )
    taken = Event.objects.filter(claimable, pk=event_id).update(
        status=EventStatus.RUNNING,
        lease_expires_at=now + timedelta(seconds=settings.EXTRACTION_LEASE_SECONDS),
        attempts=F("attempts") + 1,
        started_at=Coalesce("started_at", Value(now)),
    )
    if not taken:
        return None
    return Event.objects.select_related("project", "api_key").get(pk=event_id)


def extraction_run(*, event_id: uuid.UUID) -> Event | None:
    event = event_claim(event_id=event_id)
    if event is None:
        return None
    try:
        return event_apply(event=event, plan=plan_event(event))
    except (LLMUnavailable, embeddings.EmbeddingUnavailable, DatabaseError) as exc:
        if event.attempts >= settings.EXTRACTION_MAX_ATTEMPTS:
            return event_fail(event=event, error=f"gave up after {event.attempts} attempts: {exc}")
        event_release(event=event, error=str(exc))
        raise TransientExtractionError(str(exc)) from exc
    except (LLMError, embeddings.EmbeddingError) as exc:
        return event_fail(event=event, error=str(exc))
    except Exception as exc:
        # A bug must not retry forever: fail visibly, with the details in the worker log.
        logger.exception("extraction of event %s failed", event.pk)
        return event_fail(event=event, error=f"internal error: {type(exc).__name__}: {exc}")


def extraction_run_now(*, event_id: uuid.UUID) -> Event:
    """async_mode=false: extract in the request; a transient failure goes to the worker."""
    from memories.tasks import memory_extract_task

    try:
        extraction_run(event_id=event_id)
    except TransientExtractionError:
        memory_extract_task.delay(str(event_id))
    return Event.objects.get(pk=event_id)


def extraction_options(project: Project, add: AddRequest) -> ExtractionOptions:
    """The project's settings, overridden by what the add call sent."""
    agent = bool(add.scope["agent_id"]) and not add.scope["user_id"]
    instructions = add.custom_instructions or project.custom_instructions
    if agent:
        instructions = add.agent_custom_instructions or (
            project.agent_custom_instructions or instructions
        )
    from memories.extraction.offline import DEFAULT_CATEGORIES

    categories = add.custom_categories or project.custom_categories
    return ExtractionOptions(
        categories=categories or DEFAULT_CATEGORIES,
        custom_instructions=instructions or "",
        includes=add.includes or project.inclusion_prompt,
        excludes=add.excludes or project.exclusion_prompt,
        agent=agent,
        multilingual=project.multilingual,
    )


def plan_event(event: Event) -> Plan:
    """Everything slow, outside any transaction: facts, embeddings, neighbours, decisions."""
    add = AddRequest.from_payload(event.payload)
    messages = normalized(add.messages)
    extracted = extract(messages, extraction_options(event.project, add))
    skipped = extracted.skipped
    extracted.facts = _fitting(event, extracted.facts, skipped)
    forgets = forget_requests(messages)
    texts = [fact.text for fact in extracted.facts] + forgets
    vectors = dict(zip(texts, embeddings.embed_texts(texts), strict=True)) if texts else {}
    close = [closest_memories(event.project, add.scope, vectors[t]) for t in texts]
    split = len(extracted.facts)
    decisions, usage = decide(extracted.facts, close[:split], close[split:], forgets)
    decisions = _fitting(event, decisions, skipped)  # an LLM may merge facts into a longer one
    usage.add(extracted.usage)
    missing = [d.text for d in decisions if d.event in WRITES and d.text not in vectors]
    if missing:
        vectors.update(zip(missing, embeddings.embed_texts(missing), strict=True))
    return Plan(add=add, decisions=decisions, vectors=vectors, usage=usage, skipped=skipped)


def _fitting(event: Event, items: list[NewFact] | list[Decision], skipped: list[dict]) -> list:
    """The facts, or the writing decisions, short enough to be a memory (MEMORY_TEXT_MAX_CHARS),
    in order; the others are noted in `skipped`: a message may be longer than a memory, and an
    extractor may hand back a whole long message as one "fact". A fact is a memory to write."""
    kept = []
    for item in items:
        if getattr(item, "event", "ADD") not in WRITES or memory_text_fits(item.text):
            kept.append(item)
            continue
        reason = f"longer than a memory may be ({settings.MEMORY_TEXT_MAX_CHARS} characters)"
        skipped.append({"message": None, "excerpt": item.text[:200], "reason": reason})
    if len(kept) < len(items):
        logger.warning("event %s: %d facts too long to store", event.pk, len(items) - len(kept))
    return kept


def closest_memories(project: Project, scope: dict, vector: list[float]) -> list[Known]:
    """The scope's nearest memories, by an exact scan (a scope is small)."""
    rows = memory_nearest(project=project, scope=scope, vector=vector, limit=CANDIDATES_PER_FACT)
    return [
        Known(id=r[0], text=r[1], subject=r[2], immutable=r[3], similarity=1 - r[4]) for r in rows
    ]


def event_apply(*, event: Event, plan: Plan) -> Event | None:
    with transaction.atomic():
        locked = Event.objects.select_for_update().filter(pk=event.pk).first()
        if (
            locked is None
            or locked.status != EventStatus.RUNNING
            or locked.attempts != event.attempts
        ):
            logger.info("event %s was taken over by another run; not applying", event.pk)
            return None
        results = apply_decisions(
            event=locked, add=plan.add, decisions=plan.decisions, vectors=plan.vectors
        )
        locked.skipped = plan.skipped
        _finish(locked, status=EventStatus.SUCCEEDED, results=results, usage=plan.usage)
        Project.objects.filter(pk=locked.project_id).update(
            llm_prompt_tokens=F("llm_prompt_tokens") + plan.usage.prompt_tokens,
            llm_completion_tokens=F("llm_completion_tokens") + plan.usage.completion_tokens,
        )
    return locked


def event_release(*, event: Event, error: str) -> None:
    """Back to PENDING for a retry; the error stays visible meanwhile."""
    Event.objects.filter(pk=event.pk, status=EventStatus.RUNNING, attempts=event.attempts).update(
        status=EventStatus.PENDING, lease_expires_at=None, error=error[:2000]
    )


def event_fail(*, event: Event, error: str) -> Event:
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.status in {EventStatus.PENDING, EventStatus.RUNNING}:
            _finish(locked, status=EventStatus.FAILED, results=[], usage=None, error=error)
    return locked


def _finish(event: Event, *, status: str, results: list, usage: Usage | None, error: str = ""):
    event.status, event.results, event.error = status, results, error[:2000]
    event.completed_at, event.lease_expires_at = timezone.now(), None
    if usage is not None:
        event.usage = usage.as_dict()
    event.save()


def events_requeue() -> int:
    """Enqueue again the jobs whose message may be lost: PENDING for a while (a Redis restart
    drops queued messages) or RUNNING past their lease (the worker died)."""
    from memories.jobs import STALE_AFTER
    from memories.jobs.tasks import export_run_task, profile_job_run_task
    from memories.tasks import memory_extract_task

    tasks = {"ADD": memory_extract_task, "EXPORT": export_run_task}
    tasks["PROFILE_JOB"] = profile_job_run_task
    now = timezone.now()
    stale = now - timedelta(seconds=settings.EXTRACTION_REQUEUE_AFTER_SECONDS)
    due = list(
        Event.objects.filter(
            Q(status=EventStatus.PENDING, updated_at__lt=stale)
            | Q(status=EventStatus.RUNNING, lease_expires_at__lt=now)  # add events
            | Q(
                status=EventStatus.RUNNING, lease_expires_at=None, started_at__lt=now - STALE_AFTER
            ),
            event_type__in=tasks,
        ).values_list("pk", "event_type")[:1000]
    )
    Event.objects.filter(pk__in=[pk for pk, _ in due], status=EventStatus.PENDING).update(
        updated_at=now
    )
    for event_id, event_type in due:
        tasks[event_type].delay(str(event_id))
    return len(due)
