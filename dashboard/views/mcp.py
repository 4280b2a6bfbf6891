"""Connect an MCP client: Engram's /mcp URL and configurations to paste into Claude Code,
Claude Desktop, Cursor or any client, and a button that creates an API key for it (the API keys
screen's service), whose plaintext then fills the configurations, shown this once."""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from accounts import services
from accounts.models import Scope
from dashboard.decorators import project_view
from dashboard.mcp_configs import client_configs, mcp_url
from dashboard.views.keys import CHANGED

PAGE = "dashboard/mcp.html"


class McpKeyForm(forms.Form):
    """Kept beside its only view: the key it creates is the API keys screen's, by its service."""

    user_id = forms.CharField(
        max_length=255,
        required=False,
        label=gettext_lazy("Default user id (optional)"),
        help_text=gettext_lazy(
            "Whose memories the client reads and writes when it names no user: added to the "
            "URL as ?user_id=. Blank: the user “default”."
        ),
    )
    read_only = forms.BooleanField(
        required=False,
        label=gettext_lazy("Read-only key"),
        help_text=gettext_lazy("The client can search and list memories but not change them."),
    )


@vary_on_headers("HX-Request")
@project_view
@require_http_methods(["GET", "HEAD", "POST"])
def mcp_connect(request, org_id: str, project_id: str):
    """GET: the page, the key left as a placeholder. POST (writers): create a key and answer
    the configurations holding it (htmx: the `mcp-setup` fragment)."""
    form = McpKeyForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "endpoint": request.build_absolute_uri("/mcp")}
    if request.method == "POST" and form.is_valid():
        scopes = [Scope.READ] if form.cleaned_data["read_only"] else [Scope.READ, Scope.WRITE]
        api_key, plaintext = services.api_key_create(
            project=request.project,
            created_by=request.user,
            name=gettext("MCP client"),
            scopes=scopes,
        )
        context.update(created=api_key, plaintext=plaintext, user_id=form.cleaned_data["user_id"])
    url = mcp_url(context["endpoint"], context.get("user_id", ""))
    context.update(url=url, configs=client_configs(url, context.get("plaintext", "")))
    context["keys_url"] = reverse("dashboard:key-list", args=[org_id, project_id])
    response = render(request, f"{PAGE}#mcp-setup" if request.htmx else PAGE, context)
    if "plaintext" in context:
        trigger_client_event(response, CHANGED)
        patch_cache_control(response, no_store=True)  # the only answer holding the key
    return response
