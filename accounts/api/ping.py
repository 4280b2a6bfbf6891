from rest_framework.response import Response

from accounts.api.base import ProjectScopedApi


class PingApi(ProjectScopedApi):
    """`GET /v1/ping/`: the SDKs validate the key and learn their org and project here."""

    def get(self, request):
        creator = request.auth.created_by
        return Response(
            {
                "status": "ok",
                "org_id": self.project.organization.public_id,
                "project_id": self.project.public_id,
                "org_name": self.project.organization.name,
                "project_name": self.project.name,
                "user_email": creator.email if creator else None,
            }
        )
