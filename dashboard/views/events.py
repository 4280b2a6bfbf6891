"""Events screen: the project's asynchronous jobs, one job's detail, and retrying a failed one."""

from __future__ import annotations

import json
import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from dashboard.decorators import project_view
from dashboard.paging import PAGE_SIZE, offset_page, page_offset
from dashboard.selectors.ops import ACTIVE_STATUSES, EVENT_KINDS, event_get, events_page
from memories.messages import normalized
from memories.models import Event, EventStatus
from memories.services.events import (
    RETRYABLE_TYPES,
    EventNotRetryable,
    event_retry,
    event_retryable,
)

MAX_MESSAGES = 20  # messages shown on the detail page
MAX_JSON_CHARS = 4000
LIST = "dashboard/events.html"
DETAIL = "dashboard/event_detail.html"
# The statuses as the screens name them. The templates also translate an event's own status
# with `{% translate event.get_status_display %}`: these are its catalogue entries.
STATUS_LABELS = {
    EventStatus.PENDING: gettext_lazy("Pending"),
    EventStatus.RUNNING: gettext_lazy("Running"),
    EventStatus.SUCCEEDED: gettext_lazy("Succeeded"),
    EventStatus.FAILED: gettext_lazy("Failed"),
}


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None


def _row_context(request) -> dict:
    return {
        "active": ACTIVE_STATUSES,
        "retryable_types": RETRYABLE_TYPES,
    }


@vary_on_headers("HX-Request")
@project_view
@require_safe
def event_list(request, org_id: str, project_id: str):
    """Jobs newest first; htmx (filters, infinite scroll, a row polling its own status with
    `?event=<id>`) gets only `#event-rows`."""
    status = request.GET.get("status", "")
    status = status if status in EventStatus.values else ""
    kind = request.GET.get("kind", "")
    kind = kind if kind in EVENT_KINDS else ""
    offset = page_offset(request)
    rows = events_page(
        project=request.project,
        status=status,
        kind=kind,
        event_id=_uuid(request.GET.get("event")),
        offset=offset,
        limit=PAGE_SIZE,
    )
    page = offset_page(request, rows, offset=offset)
    context = {
        "events": page.rows,
        "next_url": page.next_url,
        "status": status,
        "kind": kind,
        "statuses": STATUS_LABELS.items(),
        "kinds": EVENT_KINDS,
        **_row_context(request),
    }
    return render(request, f"{LIST}#event-rows" if request.htmx else LIST, context)


def _event_or_404(request, event_id: uuid.UUID) -> Event:
    event = event_get(project=request.project, event_id=event_id)
    if event is None:
        raise Http404("No such event.")
    return event


def _pretty(value) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_JSON_CHARS else text[:MAX_JSON_CHARS] + "\n…"


def _detail_context(request, event: Event, **extra) -> dict:
    payload = event.payload if isinstance(event.payload, dict) else {}
    raw = payload.get("messages")
    chat = normalized([m for m in raw if isinstance(m, dict)]) if isinstance(raw, list) else []
    results = event.results
    changes = (
        isinstance(results, list)
        and bool(results)
        and all(isinstance(r, dict) and "event" in r for r in results)
    )
    request_json = {k: v for k, v in payload.items() if k != "messages"}
    return {
        "event": event,
        "chat": chat[:MAX_MESSAGES],
        "more_messages": max(len(chat) - MAX_MESSAGES, 0),
        "changes": results if changes else None,
        "results_json": _pretty(results) if results and not changes else "",
        "skipped": event.skipped if isinstance(event.skipped, list) else [],
        "request_json": _pretty(request_json) if request_json else "",
        "retryable": event_retryable(event),
        **_row_context(request),
        **extra,
    }


@vary_on_headers("HX-Request")
@project_view
@require_safe
def event_detail(request, org_id: str, project_id: str, event_id: uuid.UUID):
    """One job: input, results, error, usage, timings; htmx (polling while it is PENDING or
    RUNNING) gets `#event-detail`."""
    context = _detail_context(request, _event_or_404(request, event_id))
    return render(request, f"{DETAIL}#event-detail" if request.htmx else DETAIL, context)


@project_view(write=True)
@require_POST
def event_retry_view(request, org_id: str, project_id: str, event_id: uuid.UUID):
    """Re-run a FAILED job. htmx gets the list row back when the button was in a row
    (`HX-Target: event-<id>`), else the detail fragment; without htmx, the detail page."""
    event = _event_or_404(request, event_id)
    try:
        queued = event_retry(event=event)
        note = (
            _("Queued again.") if queued else _("This event is no longer failed: nothing to retry.")
        )
    except EventNotRetryable as error:
        note = str(error)
    event = _event_or_404(request, event_id)  # with its durations annotated again
    if not request.htmx:
        messages.info(request, note)
        return redirect("dashboard:event-detail", org_id, project_id, event_id)
    if request.htmx.target == f"event-{event.pk}":
        context = {"event": event, **_row_context(request)}
        return render(request, f"{LIST}#event-row", context)
    return render(request, f"{DETAIL}#event-detail", _detail_context(request, event, note=note))
