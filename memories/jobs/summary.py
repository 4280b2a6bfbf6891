"""Summaries (§5.15): computed in the request (the SDK waits for them) and kept as a SUCCEEDED
"SUMMARY" event. With an LLM: a short prose summary. Without one, or when the LLM fails: a
deterministic summary grouping the memories by category ("food: Is vegetarian; Loves sushi.")."""

from __future__ import annotations

from django.utils import timezone
from pydantic import BaseModel

from accounts.models import ApiKey, Project
from memories.extraction.llm import LLMError, Usage, llm_configured, llm_json
from memories.jobs import (
    SUMMARY,
    UNCATEGORIZED,
    canonical_filters,
    memories_matching,
    memory_lines,
)
from memories.models import Event, EventStatus, Memory

SUMMARY_SYSTEM = (
    "You summarise what is known from a list of memories in a few short sentences of plain "
    'prose (at most 120 words). Use only the memories given. Answer as {"summary": "..."}.'
)
EMPTY = "No memories match these filters."


class SummaryText(BaseModel):
    summary: str


def summary_create(*, project: Project, api_key: ApiKey | None, filters: dict) -> Event:
    """Summarise the memories matching `filters` now; the event records the answer."""
    filters = canonical_filters(filters)
    memories = memories_matching(project=project, filters=filters)
    started = timezone.now()
    usage, warnings = None, []
    text = offline_summary(memories)
    if memories and llm_configured():
        try:
            answer, usage = llm_json(
                system=SUMMARY_SYSTEM, user=memory_lines(memories), schema=SummaryText
            )
            text = answer.summary.strip() or text
        except LLMError as exc:  # the offline summary still answers the call
            warnings.append(f"LLM unavailable, offline summary used: {exc}"[:500])
    item = {
        "summary": text,
        "memory_count": len(memories),
        "filters": filters,
        "created_at": started.isoformat(),
    }
    return Event.objects.create(
        project=project,
        api_key=api_key,
        event_type=SUMMARY,
        status=EventStatus.SUCCEEDED,
        payload={"filters": filters},
        metadata={"warnings": warnings} if warnings else None,
        results=[item],
        usage=usage.as_dict() if isinstance(usage, Usage) else None,
        started_at=started,
        completed_at=timezone.now(),
    )


def offline_summary(memories: list[Memory]) -> str:
    """`category: text; text. other: text.` with categories alphabetical (uncategorized last)
    and each memory once, under its first category; texts oldest first."""
    if not memories:
        return EMPTY
    groups: dict[str, list[str]] = {}
    for memory in memories:
        first = (memory.categories or [UNCATEGORIZED])[0]
        groups.setdefault(first, []).append(memory.text.strip().rstrip("."))
    names = sorted(groups, key=lambda name: (name == UNCATEGORIZED, name))
    return " ".join(f"{name}: {'; '.join(groups[name])}." for name in names)
