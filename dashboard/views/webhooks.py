"""Webhooks screen: list and create (the signing secret shown once), and one webhook's page:
edit, delete, rotate the secret, send a test event, and its delivery log."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from config.errors import DomainError
from dashboard.decorators import project_view
from dashboard.paging import PAGE_SIZE, offset_page, page_offset
from dashboard.selectors.ops import webhook_deliveries_page, webhook_of, webhooks_of
from memories.models_webhooks import Webhook, WebhookEventType
from memories.webhooks import services
from memories.webhooks.ssrf import WebhookUrlRefused

LIST = "dashboard/webhooks.html"
DETAIL = "dashboard/webhook_detail.html"
CHANGED = "memories:webhooks-changed"
DELIVERIES_CHANGED = "memories:deliveries-changed"


class WebhookForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    url = forms.CharField(
        label="URL",
        max_length=2000,
        help_text=gettext_lazy("A public http(s) address that accepts POSTs."),
    )
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("Event types"),
        choices=WebhookEventType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    @classmethod
    def of(cls, webhook: Webhook, data=None) -> WebhookForm:
        fields = ("name", "url", "event_types", "is_active")
        return cls(data, initial={name: getattr(webhook, name) for name in fields})


def _refusal(form: WebhookForm, error: DomainError) -> None:
    form.add_error("url" if isinstance(error, WebhookUrlRefused) else None, str(error))


def _no_store(response):
    """Responses that show a signing secret are never kept by a cache."""
    patch_cache_control(response, no_store=True)
    return response


# --- the list -------------------------------------------------------------------------------


def _list_context(request, **extra) -> dict:
    return {
        "webhooks": webhooks_of(project=request.project),
        **extra,
    }


@vary_on_headers("HX-Request")
@project_view
@require_http_methods(["GET", "HEAD", "POST"])
def webhook_list(request, org_id: str, project_id: str):
    """GET: the webhooks (htmx gets `#webhook-rows`, reloaded on `memories:webhooks-changed`).
    POST (writers; readers get 403 from @project_view): create one."""
    if request.method == "POST":
        return _create(request)
    if request.htmx:
        return render(request, f"{LIST}#webhook-rows", _list_context(request))
    return render(request, LIST, _list_context(request, form=WebhookForm()))


def _create(request):
    form = WebhookForm(request.POST)
    if form.is_valid():
        try:
            webhook = services.webhook_create(project=request.project, **form.cleaned_data)
        except DomainError as error:
            _refusal(form, error)
        else:
            context = {"created": webhook}
            if request.htmx:
                response = render(request, f"{LIST}#webhook-created", context)
                return _no_store(trigger_client_event(response, CHANGED))
            return _no_store(render(request, LIST, _list_context(request, **context)))
    if request.htmx:
        return render(request, f"{LIST}#webhook-create", {"form": form})
    return render(request, LIST, _list_context(request, form=form))


# --- one webhook ----------------------------------------------------------------------------


def _webhook_or_404(request, webhook_id: str) -> Webhook:
    webhook = webhook_of(project=request.project, webhook_id=webhook_id)
    if webhook is None:
        raise Http404("No such webhook.")
    return webhook


def _detail_context(request, webhook: Webhook, **extra) -> dict:
    offset = page_offset(request) if request.method == "GET" else 0
    rows = webhook_deliveries_page(
        project=request.project, webhook=webhook, offset=offset, limit=PAGE_SIZE
    )
    page = offset_page(request, rows, offset=offset, path=_webhook_url(request, webhook))
    return {
        "webhook": webhook,
        "deliveries": page.rows,
        "next_url": page.next_url,
        **extra,
    }


def _webhook_url(request, webhook: Webhook) -> str:
    args = [request.organization.public_id, request.project.public_id, webhook.webhook_id]
    return reverse("dashboard:webhook-detail", args=args)


@vary_on_headers("HX-Request")
@project_view
@require_http_methods(["GET", "HEAD", "POST"])
def webhook_detail(request, org_id: str, project_id: str, webhook_id: str):
    """GET: settings and the delivery log (htmx: `#delivery-rows`, for infinite scroll and
    `memories:deliveries-changed`). POST (writers): save the settings; htmx gets
    `#webhook-settings`, with the errors (200) when the change is refused."""
    webhook = _webhook_or_404(request, webhook_id)
    if request.method != "POST":
        template = f"{DETAIL}#delivery-rows" if request.htmx else DETAIL
        return render(
            request, template, _detail_context(request, webhook, form=WebhookForm.of(webhook))
        )
    form, saved = WebhookForm.of(webhook, request.POST), False
    if form.is_valid():
        try:
            services.webhook_update(webhook=webhook, changes=form.cleaned_data)
            saved = True
        except DomainError as error:
            _refusal(form, error)
    if saved and not request.htmx:
        messages.success(request, _("Webhook saved."))
        return redirect("dashboard:webhook-detail", org_id, project_id, webhook_id)
    if not saved:
        webhook.refresh_from_db()  # the page shows what is stored, not the refused values
    context = {"webhook": webhook, "form": form, "saved": saved}
    if request.htmx:
        return render(request, f"{DETAIL}#webhook-settings", context)
    return render(request, DETAIL, _detail_context(request, webhook, form=form))


@project_view(write=True)
@require_POST
def webhook_remove(request, org_id: str, project_id: str, webhook_id: str):
    services.webhook_delete(webhook=_webhook_or_404(request, webhook_id))
    messages.success(request, _("Webhook deleted."))
    if request.htmx:
        return HttpResponseClientRedirect(
            reverse("dashboard:webhook-list", args=[org_id, project_id])
        )
    return redirect("dashboard:webhook-list", org_id, project_id)


@vary_on_headers("HX-Request")
@project_view(write=True)
@require_POST
def webhook_rotate(request, org_id: str, project_id: str, webhook_id: str):
    """A new signing secret, shown in this response only."""
    webhook = services.webhook_secret_rotate(webhook=_webhook_or_404(request, webhook_id))
    if request.htmx:
        return _no_store(
            render(request, f"{DETAIL}#webhook-secret", {"webhook": webhook, "rotated": True})
        )
    context = _detail_context(request, webhook, form=WebhookForm.of(webhook), rotated=True)
    return _no_store(render(request, DETAIL, context))


@vary_on_headers("HX-Request")
@project_view(write=True)
@require_POST
def webhook_test(request, org_id: str, project_id: str, webhook_id: str):
    """Queue a `test` delivery; a refused URL (private, loopback...) is said in `#webhook-test`."""
    webhook = _webhook_or_404(request, webhook_id)
    try:
        services.webhook_test_send(webhook=webhook)
    except DomainError as error:
        note, failed = str(error), True
    else:
        note, failed = _("Test event queued: it appears in the delivery log below."), False
    if not request.htmx:
        (messages.error if failed else messages.success)(request, note)
        return redirect("dashboard:webhook-detail", org_id, project_id, webhook_id)
    context = {"webhook": webhook, "test_note": note, "test_failed": failed}
    response = render(request, f"{DETAIL}#webhook-test", context)
    return response if failed else trigger_client_event(response, DELIVERIES_CHANGED)
