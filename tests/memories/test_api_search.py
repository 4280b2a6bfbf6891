import pytest

from memories.models import Memory

SEARCH = "/v3/memories/search/"
FACTS = [
    "Alice is vegetarian and avoids meat.",
    "Alice works as a nurse at the city hospital.",
    "Alice's dog is called Biscuit.",
    "Alice plans a trip to Lisbon in June.",
    "Alice is allergic to peanuts.",
]


@pytest.fixture
def facts(add):
    return dict(zip(FACTS, add(*FACTS), strict=True))


def search(tenant, query, **body):
    body = {"query": query, "filters": {"user_id": "alice"}, **body}
    return tenant.client().post(SEARCH, body, format="json")


def test_it_ranks_the_relevant_memory_first_with_scores_in_0_1(alice, facts):
    results = search(alice, "What does Alice eat? Any food restrictions?", threshold=0).json()[
        "results"
    ]

    scores = [r["score"] for r in results]
    assert results[0]["memory"] in {FACTS[0], FACTS[4]}
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 1 for s in scores)
    assert set(results[0]["score_breakdown"]) == {"semantic", "bm25", "entity"}


def test_it_finds_a_name_lexically(alice, facts):
    results = search(alice, "Biscuit").json()["results"]

    assert results[0]["memory"] == FACTS[2]


def test_top_k_and_threshold_cut_the_list(alice, facts):
    assert len(search(alice, "Alice", top_k=2, threshold=0).json()["results"]) == 2
    assert search(alice, "quantum chromodynamics lattice", threshold=0.99).json()["results"] == []


def test_it_hides_expired_memories_before_top_k(alice, facts):
    Memory.objects.filter(text=FACTS[2]).update(expiration_date="2001-01-01")

    hidden = search(alice, "dog Biscuit", top_k=1).json()["results"]
    shown = search(alice, "dog Biscuit", top_k=1, show_expired=True).json()["results"]

    assert hidden and hidden[0]["memory"] != FACTS[2]
    assert shown[0]["memory"] == FACTS[2]


def test_it_filters_by_categories_and_metadata(alice, facts):
    Memory.objects.filter(text=FACTS[1]).update(categories=["work"], metadata={"src": "hr"})

    by_category = search(alice, "Alice", categories=["work"], threshold=0).json()["results"]
    by_metadata = search(alice, "Alice", metadata={"src": "hr"}, threshold=0).json()["results"]

    assert [r["memory"] for r in by_category] == [FACTS[1]]
    assert [r["memory"] for r in by_metadata] == [FACTS[1]]


def test_wide_scopes_use_hnsw_and_still_find_a_small_tenant(alice, add):
    add(*[f"Bulk note number {i} about gardening" for i in range(60)], user_id="bulk")
    add("Zed keeps bees on the roof.", user_id="zed")

    body = {"query": "bees", "filters": {"user_id": "*"}, "top_k": 3, "threshold": 0}
    results = alice.client().post(SEARCH, body, format="json").json()["results"]
    pinned = search(alice, "bees", filters={"user_id": "zed"}, threshold=0).json()["results"]

    assert results[0]["memory"] == "Zed keeps bees on the roof."
    assert [r["memory"] for r in pinned] == ["Zed keeps bees on the roof."]


def test_latest_only_hides_superseded_memories(alice, facts):
    Memory.objects.filter(text=FACTS[0]).update(replaced_by=Memory.objects.get(text=FACTS[4]))

    results = search(alice, "vegetarian meat", latest_only=True, threshold=0).json()["results"]

    assert FACTS[0] not in [r["memory"] for r in results]


@pytest.mark.parametrize(
    "body, detail",
    [
        ({"query": "  ", "filters": {"user_id": "a"}}, "query: This field may not be blank."),
        ({"filters": {"user_id": "a"}}, "query: This field is required."),
        ({"query": "x"}, "filters: required"),
        ({"query": "x", "filters": {"user_id": "a"}, "user_id": "a"}, "Top-level user_id"),
        ({"query": "x", "filters": {"NOT": {"user_id": "a"}}}, "positively-scoped"),
        ({"query": "x", "filters": {"user_id": {"nin": ["a"]}}}, "nin"),
        ({"query": "x", "filters": {"user_id": "a"}, "top_k": 1001}, "top_k"),
        ({"query": "x", "filters": {"user_id": "a"}, "threshold": 2}, "threshold"),
        ({"query": "x", "filters": "user_id=a"}, "filters"),
    ],
)
def test_it_answers_400_with_a_detail(alice, body, detail):
    response = alice.client().post(SEARCH, body, format="json")

    assert response.status_code == 400
    assert detail in response.json()["detail"]


def test_a_read_only_key_may_search(alice, facts):
    from accounts.services import api_key_create

    _, key = api_key_create(project=alice.project, created_by=alice.user, scopes=["read"])

    response = alice.client(key).post(
        SEARCH, {"query": "dog", "filters": {"user_id": "alice"}}, format="json"
    )

    assert response.status_code == 200
