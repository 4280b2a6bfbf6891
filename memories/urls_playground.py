"""Dashboard routes (see the views they import)."""

from django.urls import path

from memories.views import playground

urlpatterns = [
    path(
        "dashboard/<str:org_id>/<str:project_id>/search/",
        playground.search_playground,
        name="dashboard-search",
    ),
]
