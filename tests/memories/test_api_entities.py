from memories.models import Entity, Memory


def test_it_lists_every_entity_with_counts_and_totals(alice, add):
    add("a", "b", user_id="alice", agent_id="chef")
    add("c", run_id="r1")

    body = alice.client().get("/v1/entities/").json()

    rows = {(r["type"], r["name"]): r["total_memories"] for r in body["results"]}
    assert rows == {("user", "alice"): 2, ("agent", "chef"): 2, ("run", "r1"): 1}
    assert (body["total_users"], body["total_agents"], body["total_apps"], body["total_runs"]) == (
        1,
        1,
        0,
        1,
    )
    assert all(isinstance(r["id"], str) and r["id"].isdigit() for r in body["results"])


def test_it_pages_entities_when_asked(alice, add):
    for name in "abc":
        add("x", user_id=name)

    body = alice.client().get("/v1/entities/?page=2&page_size=2").json()

    assert body["count"] == 3 and [r["name"] for r in body["results"]] == ["c"]


def test_it_deletes_an_entity_and_its_memories_by_name(alice, add):
    add("a", user_id="alice")
    add("b", user_id="bob")

    response = alice.client().delete("/v2/entities/user/alice/")

    assert response.json()["message"] == "Entity deleted successfully."
    assert list(Memory.objects.values_list("user_id", flat=True)) == ["bob"]
    assert not Entity.objects.filter(name="alice").exists()


def test_it_deletes_by_numeric_id_as_old_sdks_do(alice, add):
    add("a", user_id="alice")
    entity = Entity.objects.get(name="alice")

    response = alice.client().delete(f"/v1/entities/user/{entity.pk}/")

    assert response.status_code == 200
    assert Memory.objects.count() == 0


def test_entity_errors(alice, add):
    add("a", user_id="alice")
    client = alice.client()

    assert client.delete("/v2/entities/planet/alice/").status_code == 400
    assert client.delete("/v2/entities/user/nobody/").status_code == 404
    assert (
        client.delete("/v1/entities/user/alice/").json()["detail"]
        == "Invalid entity ID. Must be an integer."
    )


def test_it_creates_and_reads_an_entity(alice):
    created = alice.client().post(
        "/v1/users/", {"user_id": "dana", "metadata": {"tier": "gold"}}, format="json"
    )
    fetched = alice.client().get("/v2/entities/user/dana/")

    assert created.status_code == 201
    assert fetched.json()["metadata"] == {"tier": "gold"}
    assert fetched.json()["total_memories"] == 0
