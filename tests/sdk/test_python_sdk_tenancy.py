"""The real `mem0ai` 2.2.1 Python SDK against a live Engram: construction and client.project.*."""

import pytest
from mem0.client.main import MemoryClient
from mem0.exceptions import AuthenticationError, RateLimitError

from accounts.models import Membership, Project
from accounts.services import project_update

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_constructs_and_learns_org_and_project(memory_client, sdk_alice):
    assert memory_client.org_id == sdk_alice.organization.public_id
    assert memory_client.project_id == sdk_alice.project.public_id
    assert memory_client.user_email == "alice@example.com"


def test_a_wrong_key_raises_value_error_with_our_message(sdk_alice, live_server):
    with pytest.raises(ValueError, match=r"^Error: Invalid API key\. Check the key"):
        MemoryClient(api_key="eg_wrong_key", host=live_server.url)


def test_it_gets_and_updates_the_project(memory_client, sdk_alice):
    memory_client.project.update(
        custom_instructions="Only diet.",
        custom_categories=[{"diet": "what the user eats"}],
        agent_custom_instructions="Be brief.",
    )

    project = memory_client.project.get(fields=["custom_instructions", "custom_categories"])

    assert project["project_id"] == sdk_alice.project.public_id
    assert project["custom_instructions"] == "Only diet."
    assert project["custom_categories"] == [{"diet": "what the user eats"}]
    assert project["agent_custom_instructions"] == "Be brief."


def test_it_manages_members(memory_client, sdk_alice):
    memory_client.project.add_member("dana@example.com")
    memory_client.project.update_member("dana@example.com", "OWNER")
    roles = {m["email"]: m["role"] for m in memory_client.project.get_members()["members"]}
    memory_client.project.remove_member("dana@example.com")

    assert roles == {"alice@example.com": "OWNER", "dana@example.com": "OWNER"}
    assert not Membership.objects.filter(user__email="dana@example.com").exists()


def test_it_creates_and_deletes_projects(memory_client, sdk_alice):
    created = memory_client.project.create("second", description="for tests")
    answer = memory_client.project.delete()

    assert created["message"] == "Project created successfully."
    assert Project.objects.get(public_id=created["project_id"]).name == "second"
    assert answer == {"message": "Project and related data deleted successfully."}
    assert not Project.objects.filter(pk=sdk_alice.project.pk).exists()


def test_a_reader_key_cannot_update(sdk_alice, live_server):
    from tests.conftest import Tenant

    reader = Tenant("bob@example.com", "READER", project=sdk_alice.project)
    client = MemoryClient(api_key=reader.key, host=live_server.url)

    with pytest.raises(AuthenticationError, match="READER"):
        client.project.update(custom_instructions="no")


def test_it_surfaces_429_as_rate_limit_error_with_retry_after(memory_client, sdk_alice):
    project_update(project=sdk_alice.project, changes={"rate_limit_per_minute": 3})

    with pytest.raises(RateLimitError) as caught:
        for _ in range(5):
            memory_client.project.get()

    assert 1 <= caught.value.debug_info["retry_after"] <= 60
    assert caught.value.debug_info["x_ratelimit_limit"] == "3"
    assert "Rate limit exceeded" in caught.value.message
