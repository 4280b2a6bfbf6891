"""Request log screen: the project's API calls, newest first, filtered with active search."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from dashboard.decorators import project_view
from dashboard.paging import PAGE_SIZE, keyset_page
from dashboard.selectors.ops import (
    METHODS,
    STATUS_CLASSES,
    RequestFilters,
    request_log_keys,
    request_log_page,
)

PAGE = "dashboard/request_log.html"


def _cursor(value: str):
    """`<iso created_at>_<id>` of the last row shown -> (datetime, id); None if malformed."""
    at, _, row_id = value.rpartition("_")
    try:
        moment = parse_datetime(at)
        return (moment, int(row_id)) if moment else None
    except ValueError:
        return None


def _after(row) -> dict[str, str]:
    """The cursor of the page after `row`, as `_cursor` reads it back."""
    return {"before": f"{row.created_at.isoformat()}_{row.pk}"}


def _filters(request) -> RequestFilters:
    get = request.GET
    status_class, method = get.get("status", ""), get.get("method", "").upper()
    return RequestFilters(
        status_class=status_class if status_class in STATUS_CLASSES else "",
        method=method if method in METHODS else "",
        path=get.get("path", "").strip()[:200],
        key=get.get("key", "").strip()[:16],
        before=_cursor(get.get("before", "")),
    )


@vary_on_headers("HX-Request")
@project_view
@require_safe
def request_list(request, org_id: str, project_id: str):
    """htmx (filters, infinite scroll) gets only `#request-rows`."""
    filters = _filters(request)
    rows = request_log_page(project=request.project, filters=filters, limit=PAGE_SIZE)
    page = keyset_page(request, rows, cursor=_after)
    context = {"rows": page.rows, "next_url": page.next_url, "filters": filters}
    if request.htmx:
        return render(request, f"{PAGE}#request-rows", context)
    context.update(
        keys=request_log_keys(project=request.project),
        methods=METHODS,
        status_classes=list(STATUS_CLASSES),
    )
    return render(request, PAGE, context)
