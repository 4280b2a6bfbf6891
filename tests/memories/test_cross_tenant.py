"""A key of another project gets 404 for every id of this one, and never sees its rows."""

import pytest

from memories.models import Entity, Memory


@pytest.fixture
def alice_data(alice, add):
    [memory_id] = add("Alice's secret: the vault code is 1234.")
    event_id = (
        alice.client()
        .post("/v3/memories/add/", {"messages": "x", "user_id": "alice"}, format="json")
        .json()["event_id"]
    )
    return {"memory": memory_id, "event": event_id, "entity": Entity.objects.get(name="alice").pk}


def id_routes(data):
    memory = f"/v1/memories/{data['memory']}/"
    return [
        ("get", memory, None),
        ("put", memory, {"text": "pwned"}),
        ("delete", memory, None),
        ("get", f"{memory}history/", None),
        ("get", f"/v1/event/{data['event']}/", None),
        ("post", "/v1/feedback/", {"memory_id": data["memory"], "feedback": "NEGATIVE"}),
        ("put", "/v1/batch/", {"memories": [{"memory_id": data["memory"], "text": "pwned"}]}),
        ("delete", "/v1/batch/", {"memories": [{"memory_id": data["memory"]}]}),
        ("delete", "/v2/entities/user/alice/", None),
        ("get", "/v2/entities/user/alice/", None),
        ("delete", f"/v1/entities/user/{data['entity']}/", None),
    ]


@pytest.mark.parametrize("index", range(11))
def test_every_id_route_is_404_for_another_tenant(alice_data, charlie, index):
    method, url, body = id_routes(alice_data)[index]

    client = charlie.client()
    response = (
        getattr(client, method)(url, body, format="json") if body else getattr(client, method)(url)
    )

    assert response.status_code == 404
    assert Memory.objects.get(pk=alice_data["memory"]).text.startswith("Alice's secret")


def test_reads_never_return_another_tenant_s_rows(alice_data, charlie):
    client = charlie.client()
    filters = {"user_id": "alice"}

    search = client.post(
        "/v3/memories/search/",
        {"query": "vault code", "filters": filters, "threshold": 0},
        format="json",
    ).json()
    listing = client.post("/v3/memories/", {"filters": {"user_id": "*"}}, format="json").json()
    entities = client.get("/v1/entities/").json()
    events = client.get("/v1/events/").json()
    legacy = client.get("/v1/memories/?user_id=alice").json()

    assert search == {"results": []}
    assert listing["count"] == 0 and entities["results"] == [] and events["count"] == 0
    assert legacy == []


def test_delete_all_of_another_tenant_deletes_nothing_of_ours(alice_data, charlie):
    response = charlie.client().delete("/v1/memories/?user_id=alice")

    assert response.json()["deleted"] == 0
    assert Memory.objects.filter(pk=alice_data["memory"]).exists()
    assert Entity.objects.filter(name="alice").exists()
