from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from config import health

urlpatterns = [
    # The API first: an SDK call (every chat turn) need not try the dashboard's patterns.
    path("", include("accounts.api_urls")),
    path("", include("memories.jobs.urls")),
    path("", include("memories.api_urls")),
    path("", include("memories.webhooks.urls")),
    path("", include("mcpserver.urls")),
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    re_path(r"^healthz/?$", health.healthz, name="healthz"),
    re_path(r"^readyz/?$", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("dashboard.urls")),
    path("api/schema/", SpectacularJSONAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "config.api_errors.bad_request"
handler404 = "config.api_errors.not_found"
handler500 = "config.api_errors.server_error"
