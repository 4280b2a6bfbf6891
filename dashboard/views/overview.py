from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from dashboard.charts import bar_chart, stacked_bar_chart
from dashboard.decorators import project_view
from dashboard.selectors.overview import overview_get

PAGE = "dashboard/overview.html"


@vary_on_headers("HX-Request")
@project_view
@require_safe
def overview(request, org_id: str, project_id: str):
    """Totals and 30-day charts; `#charts` is polled by htmx every 30 s."""
    data = overview_get(project=request.project)
    charts = {
        "memories": bar_chart(
            chart_id="chart-memories",
            title="Memories added per day",
            days=data.days,
            values=data.memories_per_day,
            unit="memories",
        ),
        "calls": stacked_bar_chart(
            chart_id="chart-calls",
            title="API calls per day, with median latency",
            days=data.days,
            stacks={"": data.calls_per_day},
            unit="calls",
            line=data.median_latency_per_day,
            line_label="ms median",
        ),
        "events": stacked_bar_chart(
            chart_id="chart-events",
            title="Events per day by status",
            days=data.days,
            stacks=data.events_per_day,
            unit="events",
        ),
    }
    template = f"{PAGE}#charts" if request.htmx else PAGE
    return render(request, template, {"overview": data, "charts": charts})
