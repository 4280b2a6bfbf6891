"""Exports, summaries and profiles (API-CONTRACT §5.14, §5.15, §5.18) as jobs kept in `Event`.

No model of their own: each job is an `Event` row with its own `event_type` ("EXPORT",
"SUMMARY", "PROFILE", "PROFILE_JOB", "PROFILE_SETTINGS"); `payload` holds the request,
`results` the output, `metadata` the warnings. This module holds what they share: claiming a
job with a conditional UPDATE, finishing or failing it, and reading the filtered memories.

A RUNNING job has no `lease_expires_at` on purpose: the extraction re-queue (which only knows
add events) looks at that column, so it never picks these rows up. A job RUNNING for longer
than `STALE_AFTER` is presumed abandoned and may be claimed again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Project
from memories.extraction.llm import LLMError, LLMUnavailable, Usage
from memories.filters import normalize_filters
from memories.models import Event, EventStatus, Memory
from memories.selectors.memories import memory_list
from memories.selectors.where import Selection, selection_where

logger = logging.getLogger(__name__)

EXPORT = "EXPORT"
SUMMARY = "SUMMARY"
PROFILE = "PROFILE"
PROFILE_JOB = "PROFILE_JOB"
PROFILE_SETTINGS = "PROFILE_SETTINGS"

STALE_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_MEMORIES = 200  # memories read per job
MAX_PROMPT_CHARS = 24_000  # memory text sent to the LLM per job
UNCATEGORIZED = "uncategorized"


class TransientJobError(Exception):
    """The LLM is unreachable or busy: the task retries later."""


@dataclass
class Outcome:
    """What a job's work produced."""

    results: object
    usage: Usage | None = None
    warnings: list[str] = field(default_factory=list)


def canonical_filters(filters) -> dict:
    """Filters in one comparable form: an `AND` of plain conditions with distinct keys is
    merged into one flat object, so `{"AND": [{"user_id": "a"}]}` equals `{"user_id": "a"}`."""
    tree = normalize_filters(filters)
    if set(tree) == {"AND"} and isinstance(tree["AND"], list):
        merged: dict = {}
        for clause in tree["AND"]:
            plain = isinstance(clause, dict) and not set(clause) & {"AND", "OR", "NOT"}
            if not plain or set(clause) & set(merged):
                return tree
            merged.update(clause)
        return merged
    return tree


def memories_matching(*, project: Project, filters: dict, limit: int = MAX_MEMORIES) -> list:
    """The newest `limit` visible memories that match `filters`, returned oldest first."""
    where, _ = selection_where(Selection(filters=filters))
    return list(memory_list(project=project, where=where)[:limit])[::-1]


def by_category(memories: list[Memory]) -> dict[str, list[str]]:
    """Category -> memory texts (oldest first); a memory goes under each of its categories."""
    groups: dict[str, list[str]] = {}
    for memory in memories:
        for category in memory.categories or [UNCATEGORIZED]:
            groups.setdefault(category, []).append(memory.text)
    return groups


def memory_lines(memories: list[Memory], *, max_chars: int = MAX_PROMPT_CHARS) -> str:
    """One line per memory for a prompt, newest kept when the text must be cut."""
    lines, used = [], 0
    for memory in reversed(memories):
        line = f"- {memory.text} [{', '.join(memory.categories or [UNCATEGORIZED])}]"
        if used + len(line) > max_chars:
            break
        lines.append(line)
        used += len(line) + 1
    return "\n".join(reversed(lines)) or "(no memories)"


def job_claim(*, event_id: uuid.UUID | str, event_type: str) -> Event | None:
    """Take the job (PENDING, or RUNNING but abandoned); None if another run has it."""
    now = timezone.now()
    claimable = Q(status=EventStatus.PENDING) | Q(
        status=EventStatus.RUNNING, started_at__lt=now - STALE_AFTER
    )
    taken = Event.objects.filter(claimable, pk=event_id, event_type=event_type).update(
        status=EventStatus.RUNNING, attempts=F("attempts") + 1, started_at=now
    )
    if not taken:
        return None
    return Event.objects.select_related("project").get(pk=event_id)


def job_finish(*, event: Event, outcome: Outcome) -> Event:
    """SUCCEEDED with the results, unless another run took the job meanwhile."""
    with transaction.atomic():
        locked = Event.objects.select_for_update().filter(pk=event.pk).first()
        if locked is None or locked.status != EventStatus.RUNNING:
            return locked or event
        if locked.attempts != event.attempts:
            return locked
        locked.status, locked.results, locked.error = EventStatus.SUCCEEDED, outcome.results, ""
        locked.metadata = {"warnings": outcome.warnings} if outcome.warnings else None
        locked.usage = outcome.usage.as_dict() if outcome.usage else None
        locked.completed_at = timezone.now()
        locked.save()
    return locked


def job_fail(*, event: Event, error: str) -> Event:
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.status in {EventStatus.PENDING, EventStatus.RUNNING}:
            locked.status, locked.error = EventStatus.FAILED, error[:2000]
            locked.completed_at = timezone.now()
            locked.save()
    return locked


def job_run(*, event_id, event_type: str, work: Callable[[Event], Outcome]) -> Event | None:
    """Claim, work, finish. A transient LLM failure puts the job back to PENDING and raises
    TransientJobError (the task retries) until MAX_ATTEMPTS; anything else fails the job."""
    event = job_claim(event_id=event_id, event_type=event_type)
    if event is None:
        return None
    try:
        return job_finish(event=event, outcome=work(event))
    except (LLMUnavailable, DatabaseError) as exc:
        if event.attempts >= MAX_ATTEMPTS:
            return job_fail(event=event, error=f"gave up after {event.attempts} attempts: {exc}")
        Event.objects.filter(pk=event.pk, status=EventStatus.RUNNING).update(
            status=EventStatus.PENDING, error=str(exc)[:2000]
        )
        raise TransientJobError(str(exc)) from exc
    except LLMError as exc:
        return job_fail(event=event, error=str(exc))
    except Exception as exc:
        logger.exception("%s job %s failed", event_type, event.pk)
        return job_fail(event=event, error=f"internal error: {type(exc).__name__}: {exc}")
