"""Project and member routes of API-CONTRACT §5.16 (`client.project.*` of the SDKs)."""

from __future__ import annotations

from rest_framework import exceptions, serializers
from rest_framework.response import Response

from accounts import services
from accounts.api.base import ProjectScopedApi
from accounts.models import MANAGER_ROLES, Role
from accounts.selectors import project_members

NOT_FOUND = "Organization or project not found"


class CategoriesField(serializers.Field):
    """`[{"name": "description"}]`; bare names are accepted and get an empty description."""

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError("Expected a list of {name: description} objects.")
        categories = []
        for item in data:
            if isinstance(item, str) and item.strip():
                categories.append({item.strip(): ""})
            elif isinstance(item, dict) and item and all(isinstance(k, str) for k in item):
                categories.append({k: str(v) for k, v in item.items()})
            else:
                raise serializers.ValidationError(f"Invalid category {item!r}.")
        return categories

    def to_representation(self, value):
        return value


class InstructionsField(serializers.Field):
    """A string; a list of strings (allowed by the OpenAPI file) is joined line by line."""

    def to_internal_value(self, data):
        if data is None or isinstance(data, str):
            return data or None
        if isinstance(data, list) and all(isinstance(line, str) for line in data):
            return "\n".join(data)
        raise serializers.ValidationError("Expected a string or a list of strings.")

    def to_representation(self, value):
        return value


def project_output(project, *, role: str | None) -> dict:
    members = [_member_output(m) for m in project_members(project=project)]
    return {
        "project_id": project.public_id,
        "name": project.name,
        "description": project.description or None,
        "created_at": project.created_at.isoformat(),
        "updated_at": project.updated_at.isoformat(),
        "members": members,
        "custom_instructions": project.custom_instructions or None,
        "agent_custom_instructions": project.agent_custom_instructions or None,
        "custom_categories": project.custom_categories,
        "memory_depth": project.memory_depth or None,
        "usecase": project.usecase_setting or None,
        "multilingual": project.multilingual,
        "decay": project.decay,
        "enable_graph": False,
        "version": "v3",
        "is_default": False,
        "expiration_date": None,
        "inclusion_prompt": project.inclusion_prompt or None,
        "exclusion_prompt": project.exclusion_prompt or None,
        "retrieval_criteria": project.retrieval_criteria,
        "rate_limit_per_minute": project.rate_limit_per_minute,
        "suspended": project.suspended_at is not None,
        "user_role": role,
    }


def _member_output(membership) -> dict:
    user = membership.user
    return {"username": user.username, "email": user.email, "role": membership.role}


class OrganizationScopedApi(ProjectScopedApi):
    """Routes under /api/v1/orgs/organizations/{org_id}/: another org's ids are simply not found."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if kwargs.get("org_id") != self.project.organization.public_id:
            raise exceptions.NotFound(NOT_FOUND)
        if "project_id" in kwargs and kwargs["project_id"] != self.project.public_id:
            raise exceptions.NotFound(NOT_FOUND)

    def role(self) -> str | None:
        return self.request.auth.creator_role


class ProjectCreateApi(OrganizationScopedApi):
    write_roles = {"POST": MANAGER_ROLES}

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        description = serializers.CharField(required=False, allow_blank=True, allow_null=True)

    def post(self, request, org_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.project_create(
            organization=self.project.organization, **data.validated_data
        )
        return Response(
            {"message": "Project created successfully.", "project_id": project.public_id}
        )


class ProjectDetailApi(OrganizationScopedApi):
    write_roles = {"DELETE": MANAGER_ROLES}

    class UpdateSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200, required=False)
        description = serializers.CharField(required=False, allow_blank=True, allow_null=True)
        custom_instructions = InstructionsField(required=False, allow_null=True)
        agent_custom_instructions = InstructionsField(required=False, allow_null=True)
        custom_categories = CategoriesField(required=False, allow_null=True)
        multilingual = serializers.BooleanField(required=False)
        decay = serializers.BooleanField(required=False)
        memory_depth = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        usecase_setting = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        inclusion_prompt = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        exclusion_prompt = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        retrieval_criteria = serializers.ListField(
            child=serializers.DictField(), required=False, allow_null=True
        )
        rate_limit_per_minute = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, max_value=1_000_000
        )

    def get(self, request, org_id, project_id):
        return Response(project_output(self.project, role=self.role()))

    def patch(self, request, org_id, project_id):
        data = self.UpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.project_update(project=self.project, changes=data.validated_data)
        return Response({"message": "Project updated successfully"})

    def delete(self, request, org_id, project_id):
        services.project_delete(project=self.project)
        return Response({"message": "Project and related data deleted successfully."})


class RoleField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Role.choices, **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(data.upper() if isinstance(data, str) else data)


class ProjectMembersApi(OrganizationScopedApi):
    """Who may change whom (OWNER only by an OWNER, nobody their own role, never the last
    OWNER) is services.member_change_refusal's, acting as the key's creator."""

    write_roles = {"POST": MANAGER_ROLES, "PUT": MANAGER_ROLES, "DELETE": MANAGER_ROLES}

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        role = RoleField(default=Role.READER)

    def get(self, request, org_id, project_id):
        members = [_member_output(m) for m in project_members(project=self.project)]
        return Response({"members": members})

    def post(self, request, org_id, project_id):
        services.member_add(
            actor=request.auth.created_by,
            organization=self.project.organization,
            **self._input(request.data),
        )
        return Response({"message": "User added to the project successfully."})

    def put(self, request, org_id, project_id):
        services.member_set_role(
            actor=request.auth.created_by,
            organization=self.project.organization,
            **self._input(request.data),
        )
        return Response({"message": "User role updated successfully."})

    def delete(self, request, org_id, project_id):
        email = request.query_params.get("email") or (request.data or {}).get("email")
        if not email:
            raise exceptions.ValidationError({"email": ["This field is required."]})
        services.member_remove(
            actor=request.auth.created_by, organization=self.project.organization, email=email
        )
        return Response({"message": "Member removed from the project successfully."})

    def _input(self, data) -> dict:
        serializer = self.InputSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
