"""Getting in: sign-in, sign-up, password change, accepting an invitation, and `/dashboard/`,
where signing in lands (the first project, or a form to create one). The screens inside a
project are the `dashboard` app's."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django.views.i18n import set_language
from django_htmx.http import HttpResponseClientRedirect

from accounts import services
from accounts.forms import ProjectCreateForm, SignupForm
from accounts.models import Project
from accounts.selectors import (
    dashboard_projects,
    invitation_get_by_token,
    organization_first_project,
    user_exists,
)
from accounts.services import project_create_for_user, user_signup

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def overview_url(project: Project) -> str:
    kwargs = {"org_id": project.organization.public_id, "project_id": project.public_id}
    return reverse("dashboard:overview", kwargs=kwargs)


class HtmxFragmentMixin:
    """Render `page.html#<fragment>` for htmx requests, `page.html` otherwise (rule 11)."""

    fragment = "form"

    def get_template_names(self):
        names = super().get_template_names()
        if self.request.htmx:
            return [f"{name}#{self.fragment}" for name in names]
        return names

    @method_decorator(vary_on_headers("HX-Request"))
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)


class LoginView(HtmxFragmentMixin, auth_views.LoginView):
    redirect_authenticated_user = True


class PasswordChangeView(HtmxFragmentMixin, auth_views.PasswordChangeView):
    pass


class PasswordChangeDoneView(HtmxFragmentMixin, auth_views.PasswordChangeDoneView):
    fragment = "done"


def _safe_next(request) -> str:
    """`next` from the query or form (an invitation link sends new people through sign-up)."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else ""


@vary_on_headers("HX-Request")
def signup(request):
    if not settings.SIGNUP_ENABLED:
        raise Http404("Sign-up is turned off on this server.")
    if request.user.is_authenticated:
        return redirect("dashboard")
    next_url = _safe_next(request)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user, project = user_signup(
            email=form.cleaned_data["email"], password=form.cleaned_data["password1"]
        )
        login(request, user, backend=MODEL_BACKEND)
        messages.success(request, _("Welcome to Engram: your first project is ready."))
        return redirect(next_url or overview_url(project))
    template = "registration/signup.html#form" if request.htmx else "registration/signup.html"
    return render(request, template, {"form": form, "next": next_url})


@vary_on_headers("HX-Request")
@login_required
def dashboard(request):
    """The user's first project, or a page that lets them create one."""
    project = dashboard_projects(user=request.user).first()
    if project is not None:
        return redirect(overview_url(project))
    form = ProjectCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        project = project_create_for_user(user=request.user, name=form.cleaned_data["name"])
        messages.success(request, _("Project “%(name)s” created.") % {"name": project.name})
        if request.htmx:  # htmx would follow a 302 and swap the whole page into the form
            return HttpResponseClientRedirect(overview_url(project))
        return redirect(overview_url(project))
    template = "accounts/no_projects.html#create-project" if request.htmx else None
    return render(request, template or "accounts/no_projects.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept(request, token: str):
    """GET shows the invitation, POST accepts it. Visitors sign in (or up) first and come back."""
    invitation = invitation_get_by_token(token=token)
    if not request.user.is_authenticated:
        return _sign_in_first(request, invitation)
    if request.method == "POST":
        try:
            membership = services.invitation_accept(token=token, user=request.user)
        except services.AccountsError:
            pass  # the page below says why
        else:
            organization = membership.organization
            messages.success(
                request, _("Welcome to %(organization)s.") % {"organization": organization.name}
            )
            project = organization_first_project(organization=organization)
            return redirect(overview_url(project) if project else "dashboard")
    problem = services.invitation_problem(invitation=invitation, user=request.user)
    context = {"invitation": invitation, "problem": problem}
    return render(
        request,
        "accounts/invitation_accept.html",
        context,
        status=404 if invitation is None else 200,
    )


def _sign_in_first(request, invitation):
    """To sign-up if the invited address has no account yet (and sign-up is on), else to login."""
    new_person = invitation is not None and not user_exists(email=invitation.email)
    if new_person and settings.SIGNUP_ENABLED:
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('signup')}?{query}")
    return redirect_to_login(request.get_full_path())


@require_POST
def language_set(request):
    """The language switcher on every page: Django's cookie for everyone (and the redirect back
    to `next`), and the choice kept on the account of a signed-in user, on any device."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if (
        request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and translation.check_for_language(language)
    ):
        services.user_language_set(user=request.user, language=language)
    return response
