from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Membership, Organization, Project, Role
from dashboard.decorators import project_view
from tests.dashboard.conftest import overview_url
from tests.factories import MembershipFactory, UserFactory


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/dashboard/"


def test_dashboard_redirects_to_the_first_project(alice_client, alice):
    response = alice_client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"] == overview_url(alice)
    assert "HX-Request" in response["Vary"]


def test_reader_is_redirected_to_their_project(bob_client, bob):
    assert bob_client.get("/dashboard/")["Location"] == overview_url(bob)
    # The projectless create form is not theirs to use: a POST just redirects too.
    assert bob_client.post("/dashboard/", {"name": "x"})["Location"] == overview_url(bob)
    assert Project.objects.count() == 1


def test_no_projects_page_and_fragment(client, db, htmx):
    client.force_login(UserFactory(email="nina@example.com"))
    page = client.get("/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "No projects yet" in html and "topbar" in html
    assert 'action="/dashboard/" method="post"' in html and 'hx-post="/dashboard/"' in html
    assert "HX-Request" in page["Vary"]
    fragment = client.get("/dashboard/", **htmx).content.decode()
    assert fragment.lstrip().startswith('<form id="create-project"') and "topbar" not in fragment


def test_creating_the_first_project_makes_a_personal_organization(client, db):
    user = UserFactory(email="nina@example.com")
    client.force_login(user)
    response = client.post("/dashboard/", {"name": "assistant"})
    project = Project.objects.get(name="assistant")
    assert project.organization.name == "nina@example.com's organization"
    assert Membership.objects.get(user=user).role == Role.OWNER
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "dashboard:overview",
        kwargs={"org_id": project.organization.public_id, "project_id": project.public_id},
    )


def test_creating_a_project_uses_an_organization_the_user_manages(client, db):
    membership = MembershipFactory(role=Role.ADMIN)
    client.force_login(membership.user)
    client.post("/dashboard/", {"name": "bot"})
    assert Project.objects.get(name="bot").organization == membership.organization
    assert Organization.objects.count() == 1


def test_create_project_form_errors_rerender_with_200(client, db, htmx):
    client.force_login(UserFactory())
    response = client.post("/dashboard/", {"name": ""}, **htmx)
    assert response.status_code == 200
    assert 'id="create-project"' in response.content.decode()
    assert not Project.objects.exists()


# --- @project_view on its own ----------------------------------------------------------------


@project_view(write=True)
def _write_view(request, org_id, project_id):
    return HttpResponse(f"{request.project.pk} {request.organization.pk} {request.role}")


def _call(tenant_user, target, method="get"):
    request = getattr(RequestFactory(), method)("/x/")
    request.user = tenant_user
    return _write_view(
        request, org_id=target.organization.public_id, project_id=target.project.public_id
    )


def test_write_view_lets_writers_in_and_sets_the_request(alice):
    response = _call(alice.user, alice)
    assert response.content.decode() == (f"{alice.project.pk} {alice.organization.pk} {Role.OWNER}")


def test_write_view_refuses_readers_even_on_get(bob):
    with pytest.raises(PermissionDenied):
        _call(bob.user, bob)


def test_project_view_hides_other_tenants(alice, charlie):
    with pytest.raises(Http404):
        _call(charlie.user, alice)


def test_project_view_redirects_anonymous(alice):
    response = _call(AnonymousUser(), alice)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_creating_a_project_over_htmx_redirects_the_browser(client, db, htmx):
    client.force_login(UserFactory())
    response = client.post("/dashboard/", {"name": "bot"}, **htmx)
    project = Project.objects.get(name="bot")
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse(
        "dashboard:overview",
        kwargs={"org_id": project.organization.public_id, "project_id": project.public_id},
    )
