"""Search quality on the real database: BM25 with the scope's statistics, adjacent-message
context, the rerank stage, and every search option still behaving with them."""

import pytest
from django.db.models import Q

from memories.message_context import NEIGHBOUR_CHARS, neighbour_context
from memories.models import Memory
from memories.selectors.rerank import RERANK_CANDIDATES, is_phrase, proximity
from memories.selectors.search import UNUSED_COLUMNS, _candidates, memory_search
from memories.selectors.search_baselines import memory_rank_dense, memory_rank_full_text
from memories.selectors.search_dense import query_vectors
from memories.selectors.search_rows import memory_of
from memories.selectors.where import Selection, selection_where

SEARCH = "/v3/memories/search/"


def search(tenant, query, **body):
    body = {"query": query, "filters": {"user_id": "alice"}, "threshold": 0, **body}
    response = tenant.client().post(SEARCH, body, format="json")
    assert response.status_code == 200, response.content
    return [r["memory"] for r in response.json()["results"]]


def where_user(user="alice"):
    return selection_where(Selection(filters={"user_id": user}))[0]


# --- adjacent-message context -------------------------------------------------------------


def test_neighbour_context_keeps_the_previous_and_next_message():
    contexts = neighbour_context(["Q: where?", "A: Lisbon", "Q: when?", "A: Lisbon"])

    assert contexts["Q: where?"] == "A: Lisbon"
    assert contexts["A: Lisbon"] == "Q: where?\nQ: when?"  # first occurrence
    assert neighbour_context(["alone"]) == {"alone": ""}
    assert len(neighbour_context(["x" * 5000, "y"])["y"]) == NEIGHBOUR_CHARS


def test_a_verbatim_add_of_a_conversation_stores_each_turn_with_its_neighbours(alice, add):
    add("Bob: How was the pottery workshop?", "Alice: Loved it, I made a bowl!", "Bob: Nice")

    reply = Memory.objects.get(text="Alice: Loved it, I made a bowl!")
    single = Memory.objects.get(pk=add("Alice: Tea, please.")[0])

    assert reply.context == "Bob: How was the pottery workshop?\nBob: Nice"
    assert single.context == ""


def test_a_reply_is_found_by_the_question_it_answers_but_below_a_direct_match(alice, add):
    add("Bob: How was the pottery workshop?", "Alice: Loved it, I made a bowl!")
    add("Carol: I skipped the pottery workshop this year.")
    add("Alice: My favourite film is Alien.")

    ranked = search(alice, "pottery workshop")

    assert set(ranked[:3]) == {
        "Bob: How was the pottery workshop?",
        "Alice: Loved it, I made a bowl!",
        "Carol: I skipped the pottery workshop this year.",
    }
    assert ranked.index("Alice: Loved it, I made a bowl!") == 2  # context weighs less


def test_context_is_never_shown(alice, add):
    add("Bob: Which city?", "Alice: Porto, in the spring.")

    response = alice.client().post(
        SEARCH, {"query": "city", "filters": {"user_id": "alice"}}, format="json"
    )

    assert all("context" not in result for result in response.json()["results"])


# --- BM25 with the scope's statistics ----------------------------------------------------


def test_a_rare_word_outweighs_a_word_every_memory_holds(alice, add):
    for i in range(8):
        add(f"Alice mentioned her week, note {i}.")
    add("Alice adopted a greyhound.")
    add("Alice went out and about.")

    ranked = search(alice, "Alice greyhound")

    assert ranked[0] == "Alice adopted a greyhound."


def test_idf_comes_from_the_scope_not_from_other_tenants(alice, bob, add):
    add("Alice plays chess on Sundays.")
    add("Alice bakes bread.")
    bob_add = bob.client()
    bob_add.post(
        "/v3/memories/add/",
        {
            "messages": [{"role": "user", "content": f"chess game {i}"} for i in range(20)],
            "user_id": "bob",
            "infer": False,
        },
        format="json",
    )

    where = Q(user_id="alice")
    _, result = _candidates(
        alice.project, where, "chess", query_vectors(alice.project, "chess"), 10, True, True
    )

    assert result.lexemes == ["chess"]
    assert result.idf["chess"] > 0.5  # one of alice's two memories, not bob's twenty
    texts = [memory_of(m, UNUSED_COLUMNS).text for m in result.memories.values()]
    assert texts == ["Alice plays chess on Sundays."]


def test_a_query_of_stop_words_or_punctuation_still_answers_by_meaning(alice, add):
    add("Alice is vegetarian.")

    assert search(alice, "the and of")[0] == "Alice is vegetarian."
    assert search(alice, "!!! ??? ' | & :*")[0] == "Alice is vegetarian."


def test_tsquery_operators_in_the_query_are_plain_words(alice, add):
    add("Alice likes rock & roll.")

    assert search(alice, "rock & !roll | (jazz")[0] == "Alice likes rock & roll."


# --- rerank -------------------------------------------------------------------------------

DOCS = [
    # "new york" far apart: the first stage likes it (two mentions of each word).
    "York trip booked. New bike, new shoes, new hat for the long trip to York.",
    "Alice moved to New York last year.",
    "Alice bought a new lamp.",
    "Alice visited York Minster.",
]
FILLER = ["Alice drinks green tea.", "Alice's sister is a dentist.", "Alice runs on Sundays."]


@pytest.fixture
def docs(alice, add):
    for text in DOCS + FILLER:  # one call each: no context between them
        add(text)


def test_rerank_puts_the_phrase_match_first(alice, docs):
    plain = search(alice, "new york")
    reranked = search(alice, "new york", rerank=True)

    assert set(plain) == set(reranked)
    assert reranked[0] == "Alice moved to New York last year."
    assert reranked.index(DOCS[1]) <= plain.index(DOCS[1])


def test_an_exact_phrase_keeps_the_stop_words_place():
    lexemes, offsets = ["bank", "america"], [0, 2]  # "bank of america"

    assert is_phrase({"bank": [4], "america": [6]}, lexemes, offsets)
    assert not is_phrase({"bank": [4], "america": [5]}, lexemes, offsets)
    assert not is_phrase({"bank": [4]}, lexemes, offsets)
    assert proximity({"bank": [4], "america": [5]}, {"bank": 2.0, "america": 1.0}) == 1.0
    assert proximity({"bank": [1], "america": [9]}, {"bank": 2.0, "america": 1.0}) == 0.0


def test_rerank_keeps_scores_sorted_in_0_1_and_the_same_hits(alice, docs):
    body = {"query": "new york", "filters": {"user_id": "alice"}, "threshold": 0, "rerank": True}
    results = alice.client().post(SEARCH, body, format="json").json()["results"]

    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 1 for s in scores)
    assert len(results) == len(DOCS + FILLER)


def test_rerank_only_reorders_the_first_candidates(alice, docs):
    hits = memory_search(
        project=alice.project, query="new york", where=where_user(), top_k=100, rerank=True
    )

    assert RERANK_CANDIDATES == 50
    assert sum(hit.rerank > 0 for hit in hits) <= RERANK_CANDIDATES
    assert any(hit.rerank > 0 for hit in hits[:RERANK_CANDIDATES])


def test_rerank_without_lexical_matches_keeps_the_order(alice, docs):
    plain = search(alice, "metropolis relocation")
    reranked = search(alice, "metropolis relocation", rerank=True)

    assert plain == reranked


def test_the_legacy_search_accepts_rerank(alice, docs):
    response = alice.client().post(
        "/v1/memories/search/",
        {"query": "new york", "user_id": "alice", "rerank": True},
        format="json",
    )

    assert response.status_code == 200, response.content


# --- every option still behaves -----------------------------------------------------------


@pytest.mark.parametrize("rerank", [False, True])
def test_options_still_apply_with_and_without_rerank(alice, add, rerank):
    add("Alice's dog Biscuit likes the beach.", "Alice's cat sleeps all day.")
    add("Alice walks Biscuit at noon.", user_id="alice", run_id="run-1")
    Memory.objects.filter(text__startswith="Alice's cat").update(
        categories=["pets"], metadata={"kind": "cat"}
    )

    def ask(**body):
        return search(alice, "Biscuit dog cat", rerank=rerank, **body)

    assert len(ask(top_k=1)) == 1
    assert ask(categories=["pets"]) == ["Alice's cat sleeps all day."]
    assert ask(metadata={"kind": "cat"}) == ["Alice's cat sleeps all day."]
    assert ask(filters={"run_id": "run-1"}) == ["Alice walks Biscuit at noon."]
    assert search(alice, "quantum chromodynamics", rerank=rerank, threshold=0.5) == []
    Memory.objects.filter(text__startswith="Alice walks").update(expiration_date="2001-01-01")
    assert "Alice walks Biscuit at noon." not in ask()
    assert "Alice walks Biscuit at noon." in ask(show_expired=True)


def test_a_wide_scope_scores_with_bm25_too(alice, add):
    add("Zed keeps bees on the roof.", user_id="zed")
    add(*[f"Bulk note {i} about gardening" for i in range(40)], user_id="bulk")

    body = {"query": "bees roof", "filters": {"user_id": "*"}, "top_k": 3, "threshold": 0}
    for rerank in (False, True):
        response = alice.client().post(SEARCH, {**body, "rerank": rerank}, format="json")
        assert response.json()["results"][0]["memory"] == "Zed keeps bees on the roof."


# --- the benchmark's fixed baselines ------------------------------------------------------


def test_the_baselines_ignore_the_context(alice, add):
    add("Bob: How was the pottery workshop?", "Alice: Loved it, I made a bowl!")

    full_text = memory_rank_full_text(
        project=alice.project, query="pottery", where=where_user(), limit=10
    )
    dense = memory_rank_dense(project=alice.project, query="pottery", where=where_user(), limit=1)

    assert [m.text for m in full_text] == ["Bob: How was the pottery workshop?"]
    assert len(dense) == 1
