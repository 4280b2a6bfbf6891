"""Staff moderation screens (queue, rules, keys and projects, audit log) and the member's
"Report" button. Staff screens answer 404 to signed-in non-staff, like an unknown URL."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from dashboard.decorators import project_view, staff_view
from dashboard.paging import PAGE_SIZE, offset_page, page_offset
from dashboard.selectors import moderation as selectors
from memories.models_moderation import AuditAction, FlagSource, RuleKind, RuleValidator
from memories.selectors.memories import memory_get
from memories.services import moderation as services
from memories.services.moderation import ModerationError

QUEUE = "dashboard/moderation/queue.html"
RULES = "dashboard/moderation/rules.html"
ACCOUNTS = "dashboard/moderation/accounts.html"
AUDIT = "dashboard/moderation/audit.html"
REPORT = "dashboard/moderation/_report_form.html"
RECENT = 20  # projects shown before anything is searched
# Choices as the screens name them (the models' labels are English only). These are also the
# catalogue entries of `{% translate rule.get_kind_display %}` in the rule rows (and of
# `flag.get_source_display`, translated the same way).
RULE_KINDS = [
    (RuleKind.REGEX.value, gettext_lazy("Regex")),
    (RuleKind.BLOCKED_WORDS.value, gettext_lazy("Blocked Words")),
]
RULE_VALIDATORS = [
    (RuleValidator.NONE.value, gettext_lazy("none")),
    (RuleValidator.LUHN.value, gettext_lazy("Luhn checksum (card numbers)")),
    (RuleValidator.IBAN.value, gettext_lazy("IBAN mod-97 checksum")),
]
FLAG_SOURCES = [
    (FlagSource.FEEDBACK.value, gettext_lazy("Feedback")),
    (FlagSource.REPORT.value, gettext_lazy("Report")),
    (FlagSource.RULE.value, gettext_lazy("Rule")),
]


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(choices=[(d, d) for d in ("approve", "edit", "archive", "delete")])
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=1000)
    text = forms.CharField(label=gettext_lazy("Memory text"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "edit" and not (data.get("text") or "").strip():
            self.add_error("text", _("Write the new text to save an edit."))
        return data


class RuleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=RULE_KINDS)
    pattern = forms.CharField(
        label=gettext_lazy("Pattern"), required=False, max_length=services.MAX_PATTERN
    )
    validator = forms.ChoiceField(
        label=gettext_lazy("Check"), choices=RULE_VALIDATORS, required=False
    )


class SuspendForm(forms.Form):
    decision = forms.ChoiceField(choices=[("suspend", "suspend"), ("restore", "restore")])
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=1000)


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why should staff review this memory?"), max_length=1000
    )


# --- queue -----------------------------------------------------------------------------------


@vary_on_headers("HX-Request")
@staff_view
@require_safe
def queue(request):
    """Open flags across all projects; htmx (filters, infinite scroll) gets `#flag-rows`."""
    source = request.GET.get("source", "")
    source = source if source in FlagSource.values else ""
    project = request.GET.get("project", "").strip()
    offset = page_offset(request)
    flags = selectors.flags_open_page(
        source=source, project_public_id=project, offset=offset, limit=PAGE_SIZE
    )
    page = offset_page(request, flags, offset=offset)
    context = {
        "flags": page.rows,
        "next_url": page.next_url,
        "source": source,
        "project": project,
        "sources": FLAG_SOURCES,
    }
    return render(request, f"{QUEUE}#flag-rows" if request.htmx else QUEUE, context)


@staff_view
@require_POST
def flag_resolve(request, flag_id: int):
    """Approve, edit, archive or delete a flagged memory; htmx swaps the row for a status line."""
    flag = selectors.flag_open_get(flag_id=flag_id)
    if flag is None:  # deleted with its memory by another decision
        return _resolved(request, _("This flag is gone: its memory was deleted."))
    form = ResolveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "edit":
                services.flag_edit(
                    flag=flag, actor=request.user, reason=data["reason"], text=data["text"]
                )
            else:
                action = services.FLAG_ACTIONS[data["decision"]]
                action(flag=flag, actor=request.user, reason=data["reason"])
        except ModerationError as error:
            form.add_error(None, str(error))
        else:
            return _resolved(request, str(_DONE[data["decision"]]))
    if request.htmx:
        return render(request, f"{QUEUE}#flag-row", {"flag": flag, "form": form})
    return render(request, QUEUE, {"flags": [flag], "form": form, "sources": FLAG_SOURCES})


_DONE = {
    "approve": gettext_lazy("Flag resolved: memory kept."),
    "edit": gettext_lazy("Flag resolved: memory edited."),
    "archive": gettext_lazy("Flag resolved: memory archived."),
    "delete": gettext_lazy("Flag resolved: memory deleted."),
}


def _resolved(request, message: str):
    if request.htmx:
        return render(request, f"{QUEUE}#flag-done", {"message": message})
    messages.success(request, message)
    return redirect("dashboard:moderation-queue")


# --- rules -----------------------------------------------------------------------------------


@vary_on_headers("HX-Request")
@staff_view
def rules(request):
    """The rules and the add form; POST adds a rule (htmx gets `#rules-panel` back)."""
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.moderation_rule_create(actor=request.user, **form.cleaned_data)
        except ModerationError as error:
            form.add_error(None, str(error))
        else:
            if not request.htmx:
                return redirect("dashboard:moderation-rules")
            form = RuleForm()
    context = {"rules": selectors.moderation_rules(), "form": form}
    return render(request, f"{RULES}#rules-panel" if request.htmx else RULES, context)


def _rule_or_404(rule_id: int):
    rule = selectors.moderation_rule_get(rule_id=rule_id)
    if rule is None:
        raise Http404("No such rule.")
    return rule


@staff_view
@require_POST
def rule_toggle(request, rule_id: int):
    rule = _rule_or_404(rule_id)
    services.moderation_rule_set_active(actor=request.user, rule=rule, active=not rule.active)
    if request.htmx:
        return render(request, f"{RULES}#rule-row", {"rule": rule})
    return redirect("dashboard:moderation-rules")


@staff_view
@require_POST
def rule_delete(request, rule_id: int):
    services.moderation_rule_delete(actor=request.user, rule=_rule_or_404(rule_id))
    if request.htmx:
        return HttpResponse("")
    return redirect("dashboard:moderation-rules")


# --- keys and projects -----------------------------------------------------------------------


@vary_on_headers("HX-Request")
@staff_view
@require_safe
def accounts(request):
    """Search projects by name or public id (without a query: the most recent); each result
    lists its keys with suspend forms."""
    q = request.GET.get("q", "").strip()
    projects = selectors.projects_search(q=q) if q else selectors.projects_recent(limit=RECENT)
    context = {"q": q, "projects": projects}
    return render(request, f"{ACCOUNTS}#project-results" if request.htmx else ACCOUNTS, context)


def _project_card(request, project_public_id: str, **extra):
    project = selectors.project_by_public_id(public_id=project_public_id)
    if request.htmx:
        return render(request, f"{ACCOUNTS}#project-card", {"project": project, **extra})
    if extra:  # an error without htmx: the whole page, showing that one project
        return render(request, ACCOUNTS, {"q": project.public_id, "projects": [project], **extra})
    return redirect(f"{reverse('dashboard:moderation-accounts')}?q={project.public_id}")


@staff_view
@require_POST
def project_suspension(request, project_public_id: str):
    project = selectors.project_by_public_id(public_id=project_public_id)
    if project is None:
        raise Http404("No such project.")
    form = SuspendForm(request.POST)
    if not form.is_valid():
        return _project_card(request, project.public_id, form=form, form_for="project")
    suspend = form.cleaned_data["decision"] == "suspend"
    services.project_suspend(
        actor=request.user, project=project, reason=form.cleaned_data["reason"], suspended=suspend
    )
    return _project_card(request, project.public_id)


@staff_view
@require_POST
def api_key_suspension(request, key_id: int):
    api_key = selectors.api_key_by_id(key_id=key_id)
    if api_key is None:
        raise Http404("No such API key.")
    form = SuspendForm(request.POST)
    if not form.is_valid():
        return _project_card(request, api_key.project.public_id, form=form, form_for=api_key.pk)
    suspend = form.cleaned_data["decision"] == "suspend"
    services.api_key_suspend(
        actor=request.user, api_key=api_key, reason=form.cleaned_data["reason"], suspended=suspend
    )
    return _project_card(request, api_key.project.public_id)


# --- audit log -------------------------------------------------------------------------------


@vary_on_headers("HX-Request")
@staff_view
@require_safe
def audit(request):
    """Moderation actions newest first, by action and actor; htmx gets `#audit-results`."""
    action = request.GET.get("action", "")
    action = action if action in AuditAction.values else ""
    actor, offset = request.GET.get("actor", "").strip(), page_offset(request)
    rows = selectors.audit_page(action=action, actor=actor, offset=offset, limit=PAGE_SIZE)
    page = offset_page(request, rows, offset=offset)
    context = {
        "rows": page.rows,
        "older_url": page.next_url,
        "newer_url": page.previous_url,
        "action": action,
        "actor": actor,
        "actions": AuditAction.choices,
    }
    return render(request, f"{AUDIT}#audit-results" if request.htmx else AUDIT, context)


# --- a member reports a memory ---------------------------------------------------------------


@project_view(write=True)
@require_POST
def memory_report(request, org_id: str, project_id: str, memory_id):
    """The "Report" button of a memory in the dashboard: opens a REPORT flag for staff."""
    memory = memory_get(project=request.project, memory_id=memory_id)
    if memory is None:
        raise Http404("No such memory.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("dashboard:overview", args=[org_id, project_id])
    form = ReportForm(request.POST)
    if not form.is_valid():
        context = {"memory": memory, "report_form": form, "report_next": next_url}
        return render(request, REPORT, context)
    services.memory_report(memory=memory, user=request.user, reason=form.cleaned_data["reason"])
    if request.htmx:
        return render(request, REPORT, {"memory": memory, "reported": True})
    messages.success(request, _("Reported: staff will review this memory."))
    return redirect(next_url)
