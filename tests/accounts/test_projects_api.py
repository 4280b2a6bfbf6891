import pytest
from rest_framework.test import APIClient

from accounts.models import ApiKey, Project
from accounts.services import api_key_create, api_key_revoke


def test_it_returns_the_project_object(alice):
    response = alice.client().get(alice.project_url, {"fields": ["name", "custom_categories"]})

    body = response.json()
    assert response.status_code == 200
    assert body["project_id"] == alice.project.public_id
    assert body["members"] == [{"username": "alice", "email": "alice@example.com", "role": "OWNER"}]
    assert body["user_role"] == "OWNER"
    assert body["custom_instructions"] is None


def test_it_updates_the_extraction_settings(alice):
    changes = {
        "custom_instructions": ["Only food preferences.", "Ignore small talk."],
        "agent_custom_instructions": "Be brief.",
        "custom_categories": [{"diet": "what the user eats"}, "pets"],
        "multilingual": True,
        "decay": True,
        "memory_depth": "deep",
        "org_id": alice.organization.public_id,
        "enable_graph": True,  # unknown to Engram: ignored, not an error
    }

    response = alice.client().patch(alice.project_url, changes, format="json")

    project = Project.objects.get(pk=alice.project.pk)
    assert response.json() == {"message": "Project updated successfully"}
    assert project.custom_instructions == "Only food preferences.\nIgnore small talk."
    assert project.custom_categories == [{"diet": "what the user eats"}, {"pets": ""}]
    assert (project.multilingual, project.decay, project.memory_depth) == (True, True, "deep")


def test_it_clears_agent_instructions_with_an_empty_string(alice):
    alice.client().patch(alice.project_url, {"agent_custom_instructions": "x"}, format="json")

    alice.client().patch(alice.project_url, {"agent_custom_instructions": ""}, format="json")

    assert alice.client().get(alice.project_url).json()["agent_custom_instructions"] is None


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"custom_categories": "food"}, "custom_categories"),
        ({"custom_categories": [3]}, "custom_categories"),
        ({"multilingual": "maybe"}, "multilingual"),
        ({"rate_limit_per_minute": 0}, "rate_limit_per_minute"),
    ],
)
def test_it_answers_400_naming_the_bad_field(alice, changes, field):
    response = alice.client().patch(alice.project_url, changes, format="json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith(f"{field}: ")


def test_it_creates_a_project_in_the_key_s_organization(alice):
    url = f"/api/v1/orgs/organizations/{alice.organization.public_id}/projects/"

    response = alice.client().post(url, {"name": "second", "description": "d"}, format="json")

    created = Project.objects.get(public_id=response.json()["project_id"])
    assert response.json()["message"] == "Project created successfully."
    assert (created.organization, created.name) == (alice.organization, "second")


def test_it_deletes_the_project_and_its_keys(alice):
    response = alice.client().delete(alice.project_url)

    assert response.json() == {"message": "Project and related data deleted successfully."}
    assert not Project.objects.filter(pk=alice.project.pk).exists()
    assert not ApiKey.objects.filter(pk=alice.api_key.pk).exists()


# --- the access matrix ------------------------------------------------------------------


def write_requests(tenant):
    base = f"/api/v1/orgs/organizations/{tenant.organization.public_id}/projects/"
    return [
        ("patch", tenant.project_url, {"name": "renamed"}),
        ("post", base, {"name": "new"}),
        ("delete", tenant.project_url, None),
        ("post", f"{tenant.project_url}members/", {"email": "d@example.com", "role": "READER"}),
        ("put", f"{tenant.project_url}members/", {"email": "alice@example.com", "role": "ADMIN"}),
        ("delete", f"{tenant.project_url}members/?email=alice@example.com", None),
    ]


def read_requests(tenant):
    return [("get", tenant.project_url, None), ("get", f"{tenant.project_url}members/", None)]


def call(client, method, url, body):
    return (
        getattr(client, method)(url, body, format="json") if body else getattr(client, method)(url)
    )


@pytest.mark.parametrize("index", range(2))
def test_a_reader_can_read(bob, index):
    assert call(bob.client(), *read_requests(bob)[index]).status_code == 200


@pytest.mark.parametrize("index", range(6))
def test_a_reader_gets_403_on_every_write(bob, index):
    response = call(bob.client(), *write_requests(bob)[index])

    assert response.status_code == 403
    assert "READER" in response.json()["detail"]


@pytest.mark.parametrize("index", range(6))
def test_a_read_scoped_key_gets_403_on_every_write(alice, index):
    _, key = api_key_create(project=alice.project, created_by=alice.user, scopes=["read"])

    response = call(alice.client(key), *write_requests(alice)[index])

    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


@pytest.mark.parametrize("index", range(8))
def test_another_organization_gets_404_everywhere(alice, charlie, index):
    requests = read_requests(alice) + write_requests(alice)

    response = call(charlie.client(), *requests[index])

    assert response.status_code == 404
    assert response.json()["detail"] == "Organization or project not found"
    assert Project.objects.filter(pk=alice.project.pk, name=alice.project.name).exists()


def test_a_second_project_of_the_same_org_is_not_reachable_with_this_key(alice):
    other = Project.objects.create(organization=alice.organization, name="other")
    url = f"/api/v1/orgs/organizations/{alice.organization.public_id}/projects/{other.public_id}/"

    assert alice.client().get(url).status_code == 404


def test_the_ids_none_none_are_not_found(alice):
    url = "/api/v1/orgs/organizations/None/projects/None/"

    assert alice.client().get(url).status_code == 404


@pytest.mark.parametrize("index", range(8))
def test_missing_and_revoked_keys_get_401_everywhere(alice, index):
    method, url, body = (read_requests(alice) + write_requests(alice))[index]
    api_key_revoke(api_key=alice.api_key)

    assert call(APIClient(), method, url, body).status_code == 401
    assert call(alice.client(), method, url, body).status_code == 401
