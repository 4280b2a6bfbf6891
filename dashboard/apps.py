from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The HTML screens inside a project, and staff moderation: an interface over the services
    and selectors of `accounts` and `memories`, which never import it. No models."""

    name = "dashboard"
    verbose_name = "Dashboard"
