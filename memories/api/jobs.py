"""Exports (§5.14, §6.6), summaries (§5.15) and profiles (§5.18): thin APIs over memories.jobs."""

from __future__ import annotations

import json
import uuid

from rest_framework import exceptions, status
from rest_framework.response import Response

from accounts.api.base import ProjectScopedApi
from memories.api.inputs import (
    SCOPE_PARAMS,
    BadRequest,
    filters_with_top_level_ids,
    parse_loose_dict,
)
from memories.api.memories import body_of
from memories.filters import FilterError, compile_filters
from memories.jobs.exports import export_answer, export_get, export_latest, export_request
from memories.jobs.profiles import (
    SAMPLE_LIMIT_DEFAULT,
    SAMPLE_LIMIT_MAX,
    SampledTooSoon,
    profile_job_create,
    profile_job_created_output,
    profile_job_get,
    profile_job_output,
    profile_output,
    profile_settings_get,
    profile_settings_output,
    profile_settings_update,
    user_known,
)
from memories.jobs.summary import summary_create

EXPORT_CREATED = "Memory export request received. The export will be ready in a few seconds."
EXPORT_NOT_FOUND = "No memory export request found"
EXPORT_SCOPE = (
    "One of the filters: app_id, user_id, agent_id, run_id, memory_export_id is required!"
)
SCHEMA_REQUIRED = "Schema is required and must be a valid object"


class TooManyRequests(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "Too many requests: retry later."


def filters_of(data: dict) -> dict | None:
    """`filters` (an object, or its JSON or Python repr in a query) with the top-level ids."""
    return filters_with_top_level_ids(data, parse_loose_dict(data.get("filters"), name="filters"))


def scoped_filters(data: dict, *, missing: str) -> dict:
    """The filters of `data`, checked; 400 `missing` without a positively scoped entity id."""
    filters = filters_of(data)
    if not filters:
        raise BadRequest(missing)
    compile_filters(filters, require_entity_scope=False)  # a malformed filter: its own 400
    try:
        compile_filters(filters)
    except FilterError:
        raise BadRequest(missing) from None
    return filters


def schema_of(value) -> dict:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise BadRequest(SCHEMA_REQUIRED) from None
    if not isinstance(value, dict) or not value:
        raise BadRequest(SCHEMA_REQUIRED)
    return value


def uuid_or_none(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def export_lookup(request, data: dict) -> Response:
    """The get step: by `memory_export_id`, else the latest export with these filters."""
    project = request.auth.project
    export_id = data.get("memory_export_id")
    if export_id not in (None, ""):
        parsed = uuid_or_none(export_id)
        event = export_get(project=project, export_id=parsed) if parsed else None
    else:
        event = export_latest(project=project, filters=scoped_filters(data, missing=EXPORT_SCOPE))
    if event is None:
        raise exceptions.NotFound(EXPORT_NOT_FOUND)
    return Response(export_answer(event))


class ExportsApi(ProjectScopedApi):
    """`POST /v1/exports/`: request an export (201); `GET /v1/exports/`: the legacy get step."""

    def post(self, request):
        body = body_of(request)
        schema = schema_of(body.get("schema"))
        instructions = body.get("export_instructions")
        if instructions is not None and not isinstance(instructions, str):
            raise BadRequest("export_instructions: expected a string")
        event = export_request(
            project=request.auth.project,
            api_key=request.auth,
            schema=schema,
            filters=scoped_filters(body, missing=EXPORT_SCOPE),
            instructions=instructions or "",
        )
        return Response(
            {"message": EXPORT_CREATED, "id": str(event.id)}, status=status.HTTP_201_CREATED
        )

    def get(self, request):
        return export_lookup(request, request.query_params.dict())


class ExportGetApi(ProjectScopedApi):
    """`POST /v1/exports/get/`: the exported object, or where the export stands."""

    reads_with_post = True

    def post(self, request):
        return export_lookup(request, body_of(request))


class SummaryApi(ProjectScopedApi):
    """`POST /v1/summary/`: a summary of the filtered memories, now, as a one-item array."""

    reads_with_post = True

    def post(self, request):
        body = body_of(request)
        filters = filters_of(body)
        if not filters:
            raise BadRequest('filters: required, e.g. {"user_id": "alice"}')
        compile_filters(filters)
        event = summary_create(project=request.auth.project, api_key=request.auth, filters=filters)
        return Response(event.results)


class ProfileApi(ProjectScopedApi):
    """`GET /v2/entities/user/{entity_id}/profile/`."""

    def get(self, request, entity_id):
        if not user_known(project=request.auth.project, entity_id=entity_id):
            raise exceptions.NotFound("Entity not found")
        return Response(profile_output(project=request.auth.project, entity_id=entity_id))


class ProfileJobsApi(ProjectScopedApi):
    """`POST /v2/profiles/jobs/`: trigger one user's profile, or sample a few users."""

    def post(self, request):
        body = body_of(request)
        operation = body.get("operation")
        if not isinstance(operation, str) or operation not in {"trigger", "sample"}:
            raise BadRequest('operation: expected "trigger" or "sample"')
        if body.get("entity_type", "user") != "user":
            raise BadRequest('entity_type: only "user" has profiles')
        entity_id, limit = None, SAMPLE_LIMIT_DEFAULT
        if operation == "trigger":
            entity_id = body.get("entity_id")
            if not isinstance(entity_id, str) or not entity_id:
                raise BadRequest("entity_id: required for a trigger")
            if not user_known(project=request.auth.project, entity_id=entity_id):
                raise exceptions.NotFound("Entity not found")
        else:
            limit = sample_limit(body.get("limit"))
        try:
            job, replayed = profile_job_create(
                project=request.auth.project,
                api_key=request.auth,
                operation=operation,
                entity_id=entity_id,
                limit=limit,
                idempotency_key=request.headers.get("Idempotency-Key", "")[:255],
            )
        except SampledTooSoon as exc:
            raise TooManyRequests(str(exc)) from None
        return Response(profile_job_created_output(job, replayed=replayed))


def sample_limit(value) -> int:
    if value in (None, ""):
        return SAMPLE_LIMIT_DEFAULT
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadRequest(f"limit: expected an integer between 1 and {SAMPLE_LIMIT_MAX}")
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= SAMPLE_LIMIT_MAX:
        raise BadRequest(f"limit: expected an integer between 1 and {SAMPLE_LIMIT_MAX}")
    return number


class ProfileJobApi(ProjectScopedApi):
    """`GET /v2/profiles/jobs/{job_id}/`."""

    def get(self, request, job_id):
        parsed = uuid_or_none(job_id)
        job = profile_job_get(project=request.auth.project, job_id=parsed) if parsed else None
        if job is None:
            raise exceptions.NotFound("Profile job not found")
        return Response(profile_job_output(job))


class ProfileSettingsApi(ProjectScopedApi):
    """`GET|POST /v2/profiles/settings/`."""

    def get(self, request):
        return Response(profile_settings_output(profile_settings_get(project=request.auth.project)))

    def post(self, request):
        changes = {k: v for k, v in body_of(request).items() if k not in SCOPE_PARAMS}
        settings = profile_settings_update(
            project=request.auth.project, api_key=request.auth, changes=changes
        )
        return Response(profile_settings_output(settings))
