from django.urls import path

from accounts.api.ping import PingApi
from accounts.api.projects import ProjectCreateApi, ProjectDetailApi, ProjectMembersApi

ORG = "api/v1/orgs/organizations/<str:org_id>/projects/"

urlpatterns = [
    path("v1/ping/", PingApi.as_view(), name="ping"),
    path(ORG, ProjectCreateApi.as_view(), name="project-create"),
    path(f"{ORG}<str:project_id>/", ProjectDetailApi.as_view(), name="project-detail"),
    path(f"{ORG}<str:project_id>/members/", ProjectMembersApi.as_view(), name="project-members"),
]
