"""Webhook notifications for memory changes (memory_add / _update / _delete / _categorize)."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Project
from memories.webhooks.selectors import webhooks_subscribed
from memories.webhooks.services import (
    webhook_categorize_event,
    webhook_memory_event,
    webhooks_notify,
)

EVENT_TYPES = {"ADD": "memory_add", "UPDATE": "memory_update", "DELETE": "memory_delete"}


def memory_changes_notify(*, project: Project, results: list[dict]) -> None:
    """`results` are add/update/delete results ({id, event, memory[, categories]})."""
    for event, event_type in EVENT_TYPES.items():
        payloads = [
            webhook_memory_event(memory_id=r["id"], memory=r["memory"], event=event)
            for r in results
            if r["event"] == event
        ]
        if payloads:
            webhooks_notify(project=project, event_type=event_type, payloads=payloads)
    categorized = [
        webhook_categorize_event(memory_id=r["id"], categories=r["categories"])
        for r in results
        if r["event"] in {"ADD", "UPDATE"} and r.get("categories")
    ]
    if categorized:
        webhooks_notify(project=project, event_type="memory_categorize", payloads=categorized)


def deleted_results(*, project: Project, memories: QuerySet) -> list[dict]:
    """What a set-based delete removes, read only when a webhook wants memory_delete."""
    if not webhooks_subscribed(project=project, event_type="memory_delete").exists():
        return []
    return [
        {"id": str(pk), "event": "DELETE", "memory": text}
        for pk, text in memories.values_list("pk", "text")
    ]
