from django.urls import path

from memories.views import overview

urlpatterns = [
    path("dashboard/<str:org_id>/<str:project_id>/", overview.overview, name="overview"),
]
