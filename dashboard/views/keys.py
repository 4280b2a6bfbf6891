"""API keys screen: the project's keys, creating one (its plaintext shown once) and revoking."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from accounts import services
from accounts.selectors import api_key_get, api_keys_for_project
from dashboard.decorators import project_view
from dashboard.forms import ApiKeyCreateForm

KEYS = "dashboard/api_keys.html"
CHANGED = "accounts:keys-changed"


def _context(request, **extra) -> dict:
    return {
        "keys": api_keys_for_project(project=request.project),
        **extra,
    }


@vary_on_headers("HX-Request")
@project_view
@require_http_methods(["GET", "HEAD", "POST"])
def key_list(request, org_id: str, project_id: str):
    """GET: the keys (htmx gets `#key-rows`, which reloads on `accounts:keys-changed`).

    POST (writers; @project_view answers 403 to readers): create a key.
    """
    if request.method == "POST":
        return _create(request)
    if request.htmx:
        return render(request, f"{KEYS}#key-rows", _context(request))
    return render(request, KEYS, _context(request, form=ApiKeyCreateForm()))


def _create(request):
    form = ApiKeyCreateForm(request.POST)
    if form.is_valid():
        try:
            api_key, plaintext = services.api_key_create(
                project=request.project,
                created_by=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
            )
        except services.AccountsError as error:
            form.add_error(None, str(error))
        else:
            return _created(request, api_key, plaintext)
    if request.htmx:
        return render(request, f"{KEYS}#key-create", {"form": form})
    return render(request, KEYS, _context(request, form=form))


def _created(request, api_key, plaintext: str):
    """The only response that ever holds the plaintext; never stored by any cache."""
    extra = {"created": api_key, "plaintext": plaintext}
    if request.htmx:
        response = render(request, f"{KEYS}#key-created", extra)
        trigger_client_event(response, CHANGED)
    else:
        response = render(request, KEYS, _context(request, **extra))
    patch_cache_control(response, no_store=True)
    return response


@project_view(write=True)
@require_POST
def key_revoke(request, org_id: str, project_id: str, prefix: str):
    """Revoke for good; htmx gets the key's row, now showing "revoked"."""
    api_key = api_key_get(project=request.project, prefix=prefix)
    if api_key is None:
        raise Http404("No such key.")
    services.api_key_revoke(api_key=api_key)
    if not request.htmx:
        return redirect("dashboard:key-list", org_id=org_id, project_id=project_id)
    api_key.state = "revoked"
    return render(request, f"{KEYS}#key-row", {"key": api_key})
