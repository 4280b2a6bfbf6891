"""Dashboard entry points: sign-in, sign-up, password change and the project switcher."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from accounts.forms import ProjectCreateForm, SignupForm
from accounts.models import Project
from accounts.selectors import dashboard_projects, manageable_organizations
from accounts.services import organization_create, project_create, user_signup

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def overview_url(project: Project) -> str:
    kwargs = {"org_id": project.organization.public_id, "project_id": project.public_id}
    return reverse("overview", kwargs=kwargs)


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


@vary_on_headers("HX-Request")
def signup(request):
    if not settings.SIGNUP_ENABLED:
        raise Http404("Sign-up is turned off on this server.")
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user, project = user_signup(
            email=form.cleaned_data["email"], password=form.cleaned_data["password1"]
        )
        login(request, user, backend=MODEL_BACKEND)
        messages.success(request, "Welcome to Engram: your first project is ready.")
        return redirect(overview_url(project))
    template = "registration/signup.html#form" if request.htmx else "registration/signup.html"
    return render(request, template, {"form": form})


@vary_on_headers("HX-Request")
@login_required
def dashboard(request):
    """The user's first project, or a page that lets them create one."""
    project = dashboard_projects(user=request.user).first()
    if project is not None:
        return redirect(overview_url(project))
    form = ProjectCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            organization = manageable_organizations(user=request.user).first()
            if organization is None:
                name = f"{request.user.email}'s organization"
                organization = organization_create(name=name, owner=request.user)
            project = project_create(organization=organization, name=form.cleaned_data["name"])
        messages.success(request, f"Project “{project.name}” created.")
        if request.htmx:  # htmx would follow a 302 and swap the whole page into the form
            return HttpResponseClientRedirect(overview_url(project))
        return redirect(overview_url(project))
    template = "dashboard/no_projects.html#create-project" if request.htmx else None
    return render(request, template or "dashboard/no_projects.html", {"form": form})
