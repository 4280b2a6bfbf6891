from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from dashboard.charts import overview_charts
from dashboard.decorators import project_view
from dashboard.selectors.overview import overview_get

PAGE = "dashboard/overview.html"


@vary_on_headers("HX-Request")
@project_view
@require_safe
def overview(request, org_id: str, project_id: str):
    """Totals and 30-day charts; `#charts` is polled by htmx every 30 s."""
    data = overview_get(project=request.project)
    context = {"overview": data, "charts": overview_charts(data)}
    return render(request, f"{PAGE}#charts" if request.htmx else PAGE, context)
