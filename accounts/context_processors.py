"""What the base layout needs on every page: the switcher's projects (lazily) and sign-up."""

from __future__ import annotations

from functools import partial

from django.conf import settings

from accounts.selectors import dashboard_projects


def dashboard(request) -> dict:
    user = getattr(request, "user", None)
    projects = (
        partial(dashboard_projects, user=user) if user is not None and user.is_authenticated else ()
    )
    # A callable: the template calls it only when it draws the switcher (no query otherwise).
    return {"switcher_projects": projects, "signup_enabled": settings.SIGNUP_ENABLED}
