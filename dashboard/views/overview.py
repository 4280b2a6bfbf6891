from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from dashboard.charts import overview_charts
from dashboard.decorators import project_view
from dashboard.selectors.overview import EVENT_STATUS_LABELS, overview_get

PAGE = "dashboard/overview.html"


@vary_on_headers("HX-Request")
@project_view
@require_safe
def overview(request, org_id: str, project_id: str):
    """Totals and 30-day charts; `#charts` is polled by htmx every 30 s."""
    data = overview_get(project=request.project)
    counts = data.events_by_status.items()
    event_counts = [(status, EVENT_STATUS_LABELS[status], n) for status, n in counts]
    context = {"overview": data, "charts": overview_charts(data), "event_counts": event_counts}
    return render(request, f"{PAGE}#charts" if request.htmx else PAGE, context)
