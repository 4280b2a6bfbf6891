"""Search playground: run the v3 hybrid search from the dashboard and see why each hit ranked."""

from __future__ import annotations

import time

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget

from dashboard.decorators import project_view
from dashboard.selectors.playground import playground_rows, threshold_split
from memories.embeddings import EmbeddingError
from memories.filters import FilterError
from memories.selectors.search import memory_search
from memories.selectors.where import Selection, selection_where

PAGE = "dashboard/search.html"
# The v3 search API's default threshold (MemorySearchApi.InputSerializer), so a blank field
# gives what a client that leaves it out gets.
API_DEFAULT_THRESHOLD = 0.1
DEFAULT_TOP_K = 10
FILTERS_HELP = gettext_lazy(
    'Mem0 filter language, e.g. {"AND": [{"user_id": "alice"}]}. Leave empty to search the '
    "whole project (the v3 API itself requires an entity ID)."
)


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Query"), max_length=10_000)
    filters = forms.CharField(
        label=gettext_lazy("Filters (JSON)"), required=False, help_text=FILTERS_HELP
    )
    top_k = forms.IntegerField(
        label=gettext_lazy("Top k"),
        min_value=1,
        max_value=100,
        initial=DEFAULT_TOP_K,
        required=False,
    )
    threshold = forms.FloatField(
        label=gettext_lazy("Threshold"), min_value=0.0, max_value=1.0, required=False
    )

    def clean_filters(self) -> str:
        """Compile the filters now, so an unknown field or bad JSON is an error on this field;
        `cleaned_data["where"]` is then the (Q, exact) pair search takes."""
        text = self.cleaned_data["filters"].strip()
        try:
            self.cleaned_data["where"] = selection_where(_selection(text))
        except FilterError as error:
            raise forms.ValidationError(str(error)) from None
        return text

    def clean_top_k(self) -> int:
        top_k = self.cleaned_data["top_k"]
        return DEFAULT_TOP_K if top_k is None else top_k

    def clean_threshold(self) -> float:
        threshold = self.cleaned_data["threshold"]
        return API_DEFAULT_THRESHOLD if threshold is None else threshold


def _selection(filters: str | None) -> Selection:
    # Search-shaped defaults of the API (not expired, every version); no entity scope needed.
    return Selection(filters=filters or None, require_entity_scope=False)


def _search(request, form: SearchForm) -> dict:
    """Run the search the v3 API runs; an embedding failure becomes a form error.

    One search at threshold 0, split afterwards (threshold_split): the hits at or above the
    threshold are what the API returns, and the others are counted, not searched again."""
    data = form.cleaned_data
    where, exact = data["where"]
    started = time.perf_counter()
    try:
        hits = memory_search(
            project=request.project,
            query=data["q"],
            where=where,
            top_k=data["top_k"],
            threshold=0.0,
            exact=exact,
        )
    except EmbeddingError as error:
        form.add_error(None, _("The query could not be embedded: %(error)s") % {"error": error})
        return {}
    elapsed_ms = (time.perf_counter() - started) * 1000
    shown, hidden = threshold_split(hits, threshold=data["threshold"])
    return {
        "ran": True,
        "rows": playground_rows(hits=shown, query=data["q"]),
        "elapsed_ms": elapsed_ms,
        "hidden": hidden,
        "threshold": data["threshold"],
        "show_hidden_url": _with_threshold_zero(request),
    }


def _with_threshold_zero(request) -> str:
    query = request.GET.copy()
    query["threshold"] = "0"
    return f"{request.path}?{query.urlencode()}"


@vary_on_headers("HX-Request")
@project_view
@require_safe
def search_playground(request, org_id: str, project_id: str):
    """The form, and with `?q=` its results; htmx gets `#search-results` (or the form, retargeted,
    when it has errors)."""
    searched = "q" in request.GET
    form = SearchForm(request.GET if searched else None)
    context: dict = {"form": form, "default_threshold": API_DEFAULT_THRESHOLD}
    if searched and form.is_valid():
        context.update(_search(request, form))
    if not request.htmx:
        return render(request, PAGE, context)
    if form.errors:
        response = render(request, f"{PAGE}#form-errors-response", context)
        return reswap(retarget(response, "#search-form"), "outerHTML")
    return render(request, f"{PAGE}#search-results", context)
