"""The dashboard's two fail-closed gates: `@project_view` into a project (HOUSE-STYLE rules
5-7) and `@staff_view` into the staff screens."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import WRITER_ROLES
from accounts.selectors import project_membership_get

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def project_view(view=None, *, write: bool = False):
    """Resolve `<org_id>/<project_id>` from the URL for the signed-in member.

    Anonymous -> redirect to the login page; not a member (or no such project) -> 404;
    a READER on a `write=True` view or sending a non-GET request -> 403. Sets
    `request.project`, `request.organization`, `request.role` and `request.can_write` (what
    templates check before showing a write control). Usable bare
    (`@project_view`) or called (`@project_view(write=True)`).
    """

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request, *args, org_id: str, project_id: str, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            found = project_membership_get(
                user=request.user, org_public_id=org_id, project_public_id=project_id
            )
            if found is None:
                raise Http404("No such project.")
            project, role = found
            if (write or request.method not in SAFE_METHODS) and role not in WRITER_ROLES:
                raise PermissionDenied("Your role in this organization is read-only.")
            request.project, request.organization, request.role = (
                project,
                project.organization,
                role,
            )
            request.can_write = role in WRITER_ROLES
            return view_func(request, *args, org_id=org_id, project_id=project_id, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


def staff_view(view_func):
    """Anonymous -> login; signed in but not staff -> 404 (the screens do not exist for them)."""

    @wraps(view_func)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise Http404("No such page.")
        return view_func(request, *args, **kwargs)

    return wrapper
