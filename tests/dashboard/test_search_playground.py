from __future__ import annotations

import re
from functools import partial
from html import unescape
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from dashboard.selectors.playground import matched_terms, threshold_split
from memories import embeddings
from memories.embeddings import EmbeddingUnavailable
from memories.models import Memory
from memories.selectors.search import DENSE_WEIGHT, LEXICAL_WEIGHT, SearchHit
from memories.services.add import NewMemories, memories_add_verbatim
from memories.services.memories import Actor

ANN = ["Ann is allergic to peanuts", "Ann loves hiking in the Swiss Alps every summer"]
BEN = ["Ben plays the cello in a symphony orchestra", "Ben is vegetarian and never eats meat"]


def search_url(tenant, **query) -> str:
    url = reverse(
        "dashboard:search", args=[tenant.organization.public_id, tenant.project.public_id]
    )
    return url + ("?" + urlencode(query) if query else "")


def add(tenant, user_id: str, texts: list[str]) -> None:
    scope = {"user_id": user_id, "agent_id": None, "app_id": None, "run_id": None}
    memories_add_verbatim(
        project=tenant.project, new=NewMemories(texts=texts, scope=scope), actor=Actor()
    )


@pytest.fixture
def seeded(alice):
    add(alice, "ann", ANN)
    add(alice, "ben", BEN)
    return alice


def result_texts(html: str) -> list[str]:
    """Memory texts of the results table, in rank order."""
    return [
        unescape(t) for t in re.findall(r'<a href="[^"]*/entities/user/[^"]*">([^<]+)</a>', html)
    ]


# --- access ---------------------------------------------------------------------------------


def test_it_renders_the_empty_form_for_the_owner(alice_client, alice):
    response = alice_client.get(search_url(alice))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<header class="topbar">' in html and 'id="search-form"' in html
    assert 'hx-target="#search-results"' in html and 'hx-push-url="true"' in html
    assert 'id="search-results"' in html and "<table" not in html
    assert "HX-Request" in response["Vary"]


def test_it_renders_the_full_page_with_results_without_js(alice_client, seeded):
    response = alice_client.get(search_url(seeded, q="which instrument does Ben play"))
    html = response.content.decode()
    assert '<header class="topbar">' in html and 'id="search-form"' in html
    assert result_texts(html)[0] == BEN[0]
    assert 'value="which instrument does Ben play"' in html and 'name="top_k"' in html
    assert re.search(r'name="top_k"[^>]*value="10"', html)


def test_it_gives_htmx_only_the_results(alice_client, seeded, htmx):
    response = alice_client.get(search_url(seeded, q="which instrument does Ben play"), **htmx)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "topbar" not in html and 'id="search-form"' not in html
    assert "<table" in html and result_texts(html)[0] == BEN[0]
    assert "HX-Request" in response["Vary"]


def test_it_lets_the_reader_search(bob_client, seeded):
    response = bob_client.get(search_url(seeded, q="peanut allergy"))
    assert response.status_code == 200
    assert result_texts(response.content.decode())[0] == ANN[0]


def test_it_is_read_only(bob_client, alice_client, seeded):
    assert bob_client.post(search_url(seeded, q="x")).status_code == 403
    assert alice_client.post(search_url(seeded, q="x")).status_code == 405


def test_it_hides_the_project_from_outsiders(charlie_client, seeded):
    assert charlie_client.get(search_url(seeded)).status_code == 404
    assert charlie_client.get(search_url(seeded, q="peanut allergy")).status_code == 404


def test_it_sends_anonymous_visitors_to_login(client, alice):
    response = client.get(search_url(alice, q="peanuts"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_it_never_shows_another_projects_memories(charlie_client, charlie, seeded):
    add(charlie, "ann", ["Charlie's Ann has a peanut allergy too"])
    mine = charlie_client.get(search_url(charlie, q="peanut allergy", threshold=0))
    theirs = mine.content.decode()
    assert result_texts(theirs) == ["Charlie's Ann has a peanut allergy too"]
    assert ANN[0] not in theirs
    alices = search_url(seeded, q="peanut allergy", threshold=0)
    assert "Charlie" not in charlie_client.get(alices).content.decode()  # (a 404 page)


def test_alice_never_sees_charlies_memories(alice_client, charlie, seeded):
    add(charlie, "ann", ["Charlie's Ann has a peanut allergy too"])
    html = alice_client.get(search_url(seeded, q="peanut allergy", threshold=0)).content.decode()
    assert ANN[0] in html and "Charlie" not in html
    assert len(result_texts(html)) == 4


# --- results --------------------------------------------------------------------------------


def test_it_ranks_the_right_memory_first_and_shows_its_scores(alice_client, seeded):
    html = alice_client.get(search_url(seeded, q="hiking in the mountains")).content.decode()
    assert result_texts(html)[0] == ANN[1]
    first = html.split("<tbody>")[1].split("</tr>")[0]
    assert "<td>1</td>" in first
    scores = re.findall(r"</span></span> (0\.\d{4}|1\.0000)</dd>", first)
    assert len(scores) == 3  # fused, dense, lexical
    score, dense, lexical = map(float, scores)
    assert 0 < lexical <= 1 and 0 < dense < 1
    assert score == pytest.approx(DENSE_WEIGHT * dense + LEXICAL_WEIGHT * lexical, abs=2e-4)
    assert re.search(r'style="width: \d{1,3}%"', first)
    assert "<mark>hiking</mark>" in first and "<mark>mountains</mark>" not in first


def test_it_explains_why_each_memory_ranked(alice_client, seeded):
    html = alice_client.get(search_url(seeded, q="hiking")).content.decode()
    first = html.split("<tbody>")[1].split("</tr>")[0]
    assert "full-text match dominated" in first  # "hiking": one memory has the rare word
    assert "#1 by meaning, #1 by full text among these results" in first


def test_it_links_each_memory_to_its_entity(alice_client, seeded):
    html = alice_client.get(search_url(seeded, q="cello")).content.decode()
    entity = reverse(
        "dashboard:entity-detail",
        args=[seeded.organization.public_id, seeded.project.public_id, "user", "ben"],
    )
    assert f'<a href="{entity}">{BEN[0]}</a>' in html
    assert '<span class="entity-type">user</span> ben' in html


def test_it_shows_the_server_time(alice_client, seeded):
    html = alice_client.get(search_url(seeded, q="cello")).content.decode()
    assert re.search(r"result(s)? in <strong>\d+\.\d ms</strong>", html)


def test_it_restricts_results_with_filters(alice_client, seeded):
    filters = '{"AND": [{"user_id": "ben"}]}'
    url = search_url(seeded, q="hiking and peanuts", filters=filters, threshold=0)
    texts = result_texts(alice_client.get(url).content.decode())
    assert sorted(texts) == sorted(BEN)


def test_it_searches_the_whole_project_without_filters(alice_client, seeded):
    url = search_url(seeded, q="hiking and peanuts", threshold=0)
    texts = result_texts(alice_client.get(url).content.decode())
    assert sorted(texts) == sorted(ANN + BEN)


def test_it_applies_top_k_and_threshold(alice_client, seeded):
    one = alice_client.get(search_url(seeded, q="cello", top_k=1, threshold=0))
    assert result_texts(one.content.decode()) == [BEN[0]]
    none = alice_client.get(search_url(seeded, q="cello concerts", threshold=0.99))
    none = none.content.decode()
    assert result_texts(none) == [] and "No memories scored above the threshold." in none


def test_it_says_how_many_results_the_threshold_hid_and_offers_them(alice_client, seeded):
    html = alice_client.get(search_url(seeded, q="cello", top_k=3, threshold=0.99)).content
    html = unescape(html.decode())
    show = search_url(seeded, q="cello", top_k=3, threshold=0)
    assert f'3 results scored under the threshold 0.99. <a href="{show}">Show them</a>' in html
    assert len(result_texts(alice_client.get(show).content.decode())) == 3


def test_it_counts_only_the_hidden_results_among_top_k(alice_client, seeded):
    html = alice_client.get(search_url(seeded, q="cello", threshold=0.5)).content.decode()
    shown = len(result_texts(html))
    assert shown >= 1 and f"{4 - shown} more result" in html  # the project holds 4 memories
    html = alice_client.get(search_url(seeded, q="cello", threshold=0)).content.decode()
    assert "under the threshold" not in html


def test_threshold_split_keeps_what_a_search_at_the_threshold_returns():
    hits = [SearchHit(memory=None, score=s, dense=s, lexical=0.0) for s in (0.9, 0.5, 0.3, 0.1)]
    shown, hidden = threshold_split(hits, threshold=0.3)
    assert [hit.score for hit in shown] == [0.9, 0.5, 0.3] and hidden == 1
    assert threshold_split(hits, threshold=0.0) == (hits, 0)


def test_it_hides_deleted_memories(alice_client, seeded):
    Memory.objects.filter(text=BEN[0]).update(state="DELETED")
    html = alice_client.get(search_url(seeded, q="cello", threshold=0)).content.decode()
    assert BEN[0] not in html and len(result_texts(html)) == 3


# --- form errors ----------------------------------------------------------------------------


def test_it_shows_bad_json_in_the_form(alice_client, seeded, htmx):
    response = alice_client.get(search_url(seeded, q="cello", filters='{"user_id": '), **htmx)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="search-form"' in html and "<table" not in html and "<html" not in html
    assert "filters: expected a JSON object or a Python dict literal" in html
    assert 'aria-invalid="true"' in html
    assert response["HX-Retarget"] == "#search-form" and response["HX-Reswap"] == "outerHTML"
    assert '<div id="search-results" hx-swap-oob="true"></div>' in html


def test_it_shows_an_unknown_filter_field_in_the_form(alice_client, seeded):
    response = alice_client.get(search_url(seeded, q="cello", filters='{"colour": "red"}'))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Top-level key must be a logical operator or an allowed field" in html
    assert '<header class="topbar">' in html and "<table" not in html


@pytest.mark.parametrize(
    "query",
    [
        {"q": ""},
        {"q": "cello", "top_k": 0},
        {"q": "cello", "top_k": 101},
        {"q": "cello", "top_k": "x"},
        {"q": "cello", "threshold": 1.5},
        {"q": "cello", "filters": "[1, 2]"},
    ],
)
def test_it_rejects_bad_input_with_a_form_error(alice_client, seeded, query):
    response = alice_client.get(search_url(seeded, **query))
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    assert "<table" not in response.content.decode()


@pytest.mark.parametrize(
    "filters",
    [
        '{"memory_ids": ["not-a-uuid"]}',
        '{"created_at": {"gte": "yesterday"}}',
        "{1: 2}",
        '{"metadata": {"a": {"b": [1]}}}',
        '{"AND": []}',
        '{"user_id": {"like": "a%"}}',
        "null",
    ],
)
def test_it_never_fails_on_odd_filters(alice_client, seeded, filters):
    response = alice_client.get(search_url(seeded, q="cello", filters=filters))
    assert response.status_code == 200
    assert 'id="filters-errors"' in response.content.decode()


def test_it_rejects_nul_characters(alice_client, seeded):
    response = alice_client.get(search_url(seeded, q="cel\x00lo"))
    assert response.status_code == 200 and 'id="q-errors"' in response.content.decode()


def test_it_shows_an_embedder_failure_in_the_form(alice_client, seeded, htmx, monkeypatch):
    def unavailable(query, **kwargs):
        raise EmbeddingUnavailable("the embedding service timed out")

    monkeypatch.setattr(embeddings, "embed_query", unavailable)
    response = alice_client.get(search_url(seeded, q="cello"), **htmx)
    html = response.content.decode()
    assert response.status_code == 200 and response["HX-Retarget"] == "#search-form"
    assert "The query could not be embedded: the embedding service timed out" in html


# --- queries --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "queries"),
    [
        # session, user, membership + project, dense and lexical candidates in one statement
        ('{"user_id": "cara"}', 4),
        # a wide scope walks the HNSW index: + savepoint, two SET LOCALs, release, and the
        # exact scan that checks a short HNSW answer (this project holds fewer rows than the pool)
        ("", 9),
    ],
)
def test_it_uses_the_same_number_of_queries_for_any_top_k(
    alice_client, seeded, htmx, django_assert_num_queries, filters, queries
):
    add(seeded, "cara", [f"Cara fact number {n} about music" for n in range(8)])
    alice_client.get(search_url(seeded, q="music"), **htmx)  # embedder loaded, query cached
    url = partial(search_url, seeded, q="music", filters=filters, threshold=0)
    with django_assert_num_queries(queries):
        few = alice_client.get(url(top_k=2), **htmx)
    with django_assert_num_queries(queries):
        many = alice_client.get(url(top_k=8), **htmx)
    assert len(result_texts(few.content.decode())) == 2
    assert len(result_texts(many.content.decode())) == 8


# --- matched terms --------------------------------------------------------------------------


def test_matched_terms_ignores_stop_words_and_case():
    assert matched_terms("What does Ann LIKE to eat?", "ann likes to eat the cake") == [
        "ann",
        "like",
        "eat",
    ]
    assert matched_terms("the and of", "the and of") == []


def test_matched_terms_meets_simple_word_forms():
    assert matched_terms("hiking dogs cities", "She hikes with her dog in the city") == [
        "hiking",
        "dogs",
        "cities",
    ]
    assert matched_terms("cello", "Ben plays the violin") == []


def test_matched_terms_finds_a_chinese_word_inside_a_sentence():
    assert matched_terms("烤鸭", "我喜欢吃北京烤鸭") == ["烤鸭"]
    assert matched_terms("喜欢 Python 吗？", "喜欢写 Python 代码") == ["喜欢", "python"]  # noqa: RUF001
    assert matched_terms("烤鸭", "我对奶酪过敏") == []


def test_it_reads_overlapping_matched_bigrams_as_one_run():
    assert matched_terms("北京烤鸭", "我喜欢吃北京烤鸭") == ["北京烤鸭"]
    assert matched_terms("北京的烤鸭", "我喜欢吃北京烤鸭") == ["北京", "烤鸭"]
    assert matched_terms("hiking 北京", "北京 hike") == ["hiking", "北京"]


def test_it_shows_the_chinese_words_a_memory_ranked_by(alice_client, alice):
    add(alice, "ann", ["我喜欢吃北京烤鸭", "我对奶酪过敏"])
    html = alice_client.get(search_url(alice, q="烤鸭", threshold=0)).content.decode()
    assert result_texts(html)[0] == "我喜欢吃北京烤鸭"
    assert "query terms found: <mark>烤鸭</mark>" in html


def test_it_says_when_a_memory_ranked_for_the_date_the_query_names(alice_client, alice):
    body = {"messages": [{"role": "user", "content": "I repainted the kitchen"}]}
    body |= {"user_id": "ann", "infer": False, "timestamp": 1682953200}  # 2023-05-01 15:00 UTC
    assert alice.client().post("/v3/memories/add/", body, format="json").status_code == 200

    dated = alice_client.get(search_url(alice, q="What did I do on May 1st?"))
    undated = alice_client.get(search_url(alice, q="What did I do?"))

    assert "said on a date the query names" in dated.content.decode()
    assert "said on a date the query names" not in undated.content.decode()


def test_it_says_when_a_memory_ranked_for_the_category_the_query_names(alice_client, alice):
    body = {"messages": [{"role": "user", "content": "我是程序员，喜欢写 Python 代码"}]}  # noqa: RUF001
    body |= {"user_id": "ann", "async_mode": False}
    assert alice.client().post("/v3/memories/add/", body, format="json").status_code == 200

    named = alice_client.get(search_url(alice, q="技术栈", threshold=0)).content.decode()
    unnamed = alice_client.get(search_url(alice, q="Python", threshold=0)).content.decode()

    assert "filed under technology, which the query names" in named
    assert "which the query names" not in unnamed
