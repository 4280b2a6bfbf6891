"""Who reaches what through /mcp: the REST API's keys, roles, scopes, limits and tenancy."""

from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Project
from accounts.services import api_key_create, api_key_revoke
from memories.models import Memory
from tests.mcpserver.conftest import HEADERS, Rpc

PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
WRITE_TOOLS = {
    "add_memory",
    "update_memory",
    "delete_memory",
    "delete_all_memories",
    "delete_entities",
}


def post(client, body=PING, **headers):
    return client.post("/mcp/", body, format="json", headers={**HEADERS, **headers})


def test_it_answers_401_without_a_key():
    response = post(APIClient())

    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("Missing API key")
    assert response.json()["id"] is None


def test_it_answers_401_for_a_wrong_key(alice):
    response = post(alice.client(key="eg_nope_nope"))

    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("Invalid API key")


def test_it_answers_401_for_a_revoked_key(alice):
    api_key_revoke(api_key=alice.api_key)

    response = post(alice.client())

    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_it_takes_a_bearer_key(alice):
    response = post(APIClient(), Authorization=f"Bearer {alice.key}")

    assert response.status_code == 200


def test_a_read_only_key_lists_only_the_read_tools(alice):
    _, key = api_key_create(project=alice.project, created_by=alice.user, scopes=["read"])

    tools = Rpc(alice, key=key).request("tools/list")["result"]["tools"]

    assert {t["name"] for t in tools} & WRITE_TOOLS == set()
    assert len(tools) == 6


def test_a_read_only_key_is_refused_writes_with_a_clear_error(alice):
    _, key = api_key_create(project=alice.project, created_by=alice.user, scopes=["read"])
    rpc = Rpc(alice, key=key)

    message = rpc.fails("add_memory", text="Likes tea")

    assert message == (
        "add_memory changes memories. This API key is read-only: use a key with the write scope."
    )
    assert not Memory.objects.exists()
    assert rpc.ok("get_memories", user_id="alice")["count"] == 0  # reads still work


def test_a_reader_s_key_is_refused_writes(bob):
    message = Rpc(bob).fails("delete_all_memories", user_id="alice")

    assert "Your role (READER) cannot do this" in message


def test_another_tenant_sees_nothing_of_the_first(alice, charlie):
    own = Rpc(alice)
    added = own.ok("add_memory", text="Secret plan", infer=False, user_id="alice")
    memory_id = added["results"][0]["id"]
    other = Rpc(charlie)

    assert other.ok("search_memories", query="secret plan", user_id="alice")["results"] == []
    assert other.ok("get_memories", user_id="alice")["count"] == 0
    assert other.ok("list_entities")["count"] == 0
    assert other.ok("list_events")["count"] == 0
    assert "not found" in other.fails("get_memory", memory_id=memory_id)
    assert "not found" in other.fails("delete_memory", memory_id=memory_id)
    assert "Event not found" in other.fails("get_event_status", event_id=added["event_id"])
    assert other.ok("delete_all_memories", user_id="alice")["deleted"] == 0
    resource = other.request("resources/read", {"uri": "engram://users/alice/memories"})
    assert "Nothing is remembered" in resource["result"]["contents"][0]["text"]
    assert Memory.objects.count() == 1


def test_a_suspended_project_is_refused(alice):
    Project.objects.filter(pk=alice.project.pk).update(suspended_at=timezone.now())

    response = post(alice.client())

    assert response.status_code == 403
    assert "suspended" in response.json()["error"]["message"]


def test_it_is_rate_limited_like_the_rest_api(alice):
    Project.objects.filter(pk=alice.project.pk).update(rate_limit_per_minute=2)
    client = alice.client()

    statuses = [post(client).status_code for _ in range(3)]
    response = post(client)

    assert statuses == [200, 200, 429]
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["X-RateLimit-Limit"] == "2"
    assert response.json()["error"]["message"].startswith("Rate limit exceeded: 2 requests")


def test_it_refuses_an_org_id_of_another_project(alice):
    response = post(alice.client(), body={**PING, "org_id": "org_other"})

    assert response.status_code == 403
