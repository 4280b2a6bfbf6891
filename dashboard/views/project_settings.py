"""Project settings screen: extraction settings and limits, plus what the server runs with."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from accounts.models import Project
from accounts.services import project_update
from dashboard.decorators import project_view
from dashboard.forms import ProjectSettingsForm, categories_as_lines

SETTINGS = "dashboard/project_settings.html"
FIELDS = (
    "name",
    "description",
    "custom_instructions",
    "agent_custom_instructions",
    "decay",
    "rate_limit_per_minute",
)


def _form(request, data=None) -> ProjectSettingsForm:
    project: Project = request.project
    initial = {field: getattr(project, field) for field in FIELDS}
    initial["custom_categories"] = categories_as_lines(project.custom_categories)
    form = ProjectSettingsForm(
        data, initial=initial, default_rate_limit=settings.API_RATE_LIMIT_PER_MINUTE
    )
    if not request.can_write:
        for field in form.fields.values():
            field.disabled = True
    return form


def providers() -> dict[str, str]:
    """What extraction and embedding run on, from settings alone (no SDK is imported)."""
    from memories.extraction.llm import llm_status

    llm = llm_status()
    if llm["extractor"] == "llm":
        host = urlsplit(llm["base_url"]).hostname or "api.openai.com"
        extraction = _("LLM: %(model)s at %(host)s") % {"model": llm["model"], "host": host}
    else:
        extraction = _("Offline: the built-in rule-based extractor (no LLM set)")
    model = settings.EMBEDDING_MODEL
    if settings.EMBEDDER == "openai":
        host = urlsplit(settings.EMBEDDING_BASE_URL).hostname or "api.openai.com"
        embedding = _("OpenAI-compatible: %(model)s at %(host)s") % {"model": model, "host": host}
    else:
        embedding = _("Local ONNX: %(model)s") % {"model": model}
    with_size = _("%(embedding)s (%(dimensions)s dimensions)")
    return {
        "extraction": extraction,
        "embedding": with_size % {"embedding": embedding, "dimensions": settings.EMBEDDING_DIM},
    }


@vary_on_headers("HX-Request")
@project_view
@require_http_methods(["GET", "HEAD", "POST"])
def project_settings(request, org_id: str, project_id: str):
    """Writers edit (POST; @project_view answers 403 to readers); readers see the same, disabled.

    htmx gets `#settings-form`.
    """
    form = _form(request, request.POST if request.method == "POST" else None)
    saved = False
    if request.method == "POST" and form.is_valid():
        project_update(project=request.project, changes=form.cleaned_data)
        if not request.htmx:
            messages.success(request, _("Settings saved."))
            return redirect("dashboard:project-settings", org_id=org_id, project_id=project_id)
        form, saved = _form(request), True
    context = {
        "form": form,
        "saved": saved,
        "providers": providers(),
        "default_rate_limit": settings.API_RATE_LIMIT_PER_MINUTE,
    }
    return render(request, f"{SETTINGS}#settings-form" if request.htmx else SETTINGS, context)
