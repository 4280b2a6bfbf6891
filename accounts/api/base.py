"""The fail-closed base of every tenant API: the project comes from the API key, nowhere else."""

from __future__ import annotations

import time

from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.views import APIView

from accounts.authentication import MISSING_KEY, ApiKeyAuthentication
from accounts.models import WRITER_ROLES, ApiKey, Project, Scope
from accounts.ratelimit import ApiKeyRateThrottle
from accounts.request_log import request_log_enqueue
from config.after_response import after_response


def write_refusal(api_key: ApiKey, roles: frozenset = WRITER_ROLES) -> str | None:
    """Why `api_key` may not write (None when it may): the key's scope, then its creator's role.
    The REST permission below and the MCP tools (mcpserver/) both ask here."""
    if not api_key.allows(Scope.WRITE):
        return "This API key is read-only: use a key with the write scope."
    role = api_key.creator_role  # annotated by the key lookup: no extra query
    if role not in roles:
        return f"Your role ({role or 'not a member'}) cannot do this in this project."
    return None


class ProjectKeyPermission(BasePermission):
    """A valid key of an active project; writes need the write scope and a writing role."""

    def has_permission(self, request, view) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            raise exceptions.NotAuthenticated(MISSING_KEY)
        if api_key.project.suspended_at is not None:
            raise exceptions.PermissionDenied(
                "This project is suspended: ask an Engram administrator to restore it."
            )
        if view.is_write(request):
            refusal = write_refusal(api_key, view.roles_for(request))
            if refusal is not None:
                raise exceptions.PermissionDenied(refusal)
        return True


class ProjectScopedApi(APIView):
    """Base for every API that an API key reaches.

    After `initial()`, `self.project` is the key's project; subclasses read and write through
    it only. `org_id` / `project_id` sent by old SDKs in the query or body must name that
    project (403 otherwise).
    """

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [ProjectKeyPermission]
    throttle_classes = [ApiKeyRateThrottle]
    # POST endpoints that only read (search) set this, so read-only keys may call them.
    reads_with_post = False
    # Roles allowed to write, per HTTP method; others fall back to WRITER_ROLES.
    write_roles: dict[str, frozenset] = {}

    project: Project

    def is_write(self, request) -> bool:
        return request.method not in SAFE_METHODS and not self.reads_with_post

    def roles_for(self, request) -> frozenset:
        return self.write_roles.get(request.method, WRITER_ROLES)

    def initialize_request(self, request, *args, **kwargs):
        self.started = time.perf_counter()
        return super().initialize_request(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, rate limit
        self.project = request.auth.project
        self._check_scope_params(request)

    def _check_scope_params(self, request) -> None:
        body = request.data if isinstance(request.data, dict) else {}
        expected = {
            "org_id": self.project.organization.public_id,
            "project_id": self.project.public_id,
        }
        for name, value in expected.items():
            for sent in (request.query_params.get(name), body.get(name)):
                if sent not in (None, "", "None", "null") and str(sent) != value:
                    raise exceptions.PermissionDenied(
                        f"{name}={sent} does not match the project of this API key ({value})."
                    )

    def logged_as(self, request, response) -> tuple[str, int]:
        """The path and status the request log records (the MCP endpoint names the tool)."""
        return request.path, response.status_code

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        state = getattr(request, "rate_limit", None)
        if state is not None:
            for header, value in state.headers().items():
                response[header] = value
        api_key = request.auth if isinstance(getattr(request, "auth", None), ApiKey) else None
        path, status = self.logged_as(request, response)
        entry = {
            "project_id": api_key.project_id if api_key else None,
            "api_key_id": api_key.pk if api_key else None,
            "method": request.method,
            "path": path,
            "status": status,
            "latency_ms": (time.perf_counter() - self.started) * 1000,
        }
        after_response(lambda: request_log_enqueue(**entry))
        return response
