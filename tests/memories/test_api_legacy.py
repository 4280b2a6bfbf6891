from memories.models import Memory
from memories.services.access import memory_access_flush


def test_legacy_add_answers_a_bare_array_by_default(alice):
    body = {"messages": "I like tea", "user_id": "alice", "infer": False}

    response = alice.client().post("/v1/memories/", body, format="json")

    [item] = response.json()
    assert item["memory"] == "I like tea" and item["data"] == {"memory": "I like tea"}
    assert item["event"] == "ADD"


def test_legacy_add_v11_is_an_object_with_relations_and_queues_inference(alice, add):
    body = {
        "messages": "I like tea",
        "user_id": "alice",
        "output_format": "v1.1",
        "async_mode": True,
    }

    answer = alice.client().post("/v1/memories/", body, format="json").json()

    assert answer["relations"] == []
    assert answer["results"][0]["status"] == "PENDING"
    assert (
        answer["results"][0]["message"]
        == "Memory processing has been queued for background execution"
    )


def test_legacy_list_is_bare_unless_both_page_params(alice, add):
    add("a", "b", "c")

    bare = alice.client().get("/v1/memories/?user_id=alice").json()
    paged = alice.client().get("/v1/memories/?user_id=alice&page=1&page_size=2").json()
    only_page = alice.client().get("/v1/memories/?user_id=alice&page=1").json()

    assert isinstance(bare, list) and len(bare) == 3
    assert paged["count"] == 3 and len(paged["results"]) == 2
    assert isinstance(only_page, list)


def test_legacy_list_needs_an_entity_and_accepts_repr_metadata(alice, add):
    [memory_id] = add("a", metadata={"k": "v"})
    add("b")

    assert alice.client().get("/v1/memories/").status_code == 400
    found = alice.client().get("/v1/memories/?user_id=alice&metadata={'k': 'v'}").json()
    assert [m["id"] for m in found] == [memory_id]


def test_v2_list_folds_top_level_ids_into_filters(alice, add):
    add("mine")
    add("theirs", user_id="bob")

    body = (
        alice.client()
        .post(
            "/v2/memories/",
            {"user_id": "alice", "org_id": alice.organization.public_id},
            format="json",
        )
        .json()
    )

    assert [m["memory"] for m in body] == ["mine"]


def test_legacy_searches_keep_their_shapes(alice, add):
    add("Alice's dog is called Biscuit.")
    client = alice.client()

    v1 = client.post(
        "/v1/memories/search/", {"query": "Biscuit", "user_id": "alice"}, format="json"
    ).json()
    v1_1 = client.post(
        "/v1/memories/search/",
        {"query": "Biscuit", "user_id": "alice", "output_format": "v1.1"},
        format="json",
    ).json()
    v2 = client.post(
        "/v2/memories/search/", {"query": "Biscuit", "filters": {"user_id": "alice"}}, format="json"
    ).json()
    v2_1 = client.post(
        "/v2/memories/search/",
        {"query": "Biscuit", "user_id": "alice", "output_format": "v1.1"},
        format="json",
    ).json()

    assert isinstance(v1, list) and v1[0]["score"] > 0
    assert set(v1_1) == {"results", "relations"}
    assert isinstance(v2, list) and v2[0]["memory"] == "Alice's dog is called Biscuit."
    assert set(v2_1) == {"results"}
    memory_access_flush()
    assert Memory.objects.get().access_count == 4
