"""Routes of exports, summaries and profiles. Included before memories.api_urls: its
`v2/entities/<type>/<path:name>/` would otherwise swallow the profile route."""

from django.urls import path

from memories.api import jobs

urlpatterns = [
    path("v1/exports/", jobs.ExportsApi.as_view(), name="export-list"),
    path("v1/exports/get/", jobs.ExportGetApi.as_view(), name="export-get"),
    path("v1/summary/", jobs.SummaryApi.as_view(), name="summary"),
    path(
        "v2/entities/user/<path:entity_id>/profile/",
        jobs.ProfileApi.as_view(),
        name="profile-detail",
    ),
    path("v2/profiles/jobs/", jobs.ProfileJobsApi.as_view(), name="profile-jobs"),
    path("v2/profiles/jobs/<str:job_id>/", jobs.ProfileJobApi.as_view(), name="profile-job"),
    path("v2/profiles/settings/", jobs.ProfileSettingsApi.as_view(), name="profile-settings"),
]
