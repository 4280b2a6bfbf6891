"""Dates named in a search query (memories/query_dates.py) and the lift they give the memories
said on those days (selectors/search.py), in English and Chinese, on the real database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db.models import Q

from accounts.models import Project
from memories.query_dates import DateSpan, query_dates
from memories.selectors import search as search_module
from memories.selectors.search import DATE_BONUS, memory_search

SEARCH = "/v3/memories/search/"


@pytest.mark.parametrize(
    ("query", "spans"),
    [
        ("What movie did Joanna watch on 1 May, 2022?", [DateSpan(2022, 5, 1)]),
        ("Who did Maria have dinner with on May 3, 2023?", [DateSpan(2023, 5, 3)]),
        ("I mentioned on May 2nd that I went to the museum.", [DateSpan(None, 5, 2)]),
        ("what did I say on the 4th of Sept.", [DateSpan(None, 9, 4)]),
        ("What did Joanna share in August 2022?", [DateSpan(2022, 8, None)]),
        ("Which country did James visit in 2021?", [DateSpan(2021, None, None)]),
        ("notes from 2023-05-04", [DateSpan(2023, 5, 4)]),
        ("在5月1号，我遇到了什么开心的事情？", [DateSpan(None, 5, 1)]),  # noqa: RUF001
        ("我在2023年5月4日说了什么", [DateSpan(2023, 5, 4)]),
        ("五月十一号和12月31日我们聊了什么", [DateSpan(None, 5, 11), DateSpan(None, 12, 31)]),
        ("2022年8月我去了哪里", [DateSpan(2022, 8, None)]),
        ("我2021年去过哪个国家", [DateSpan(2021, None, None)]),
    ],
)
def test_it_reads_the_dates_a_query_names(query, spans):
    assert query_dates(query) == spans


@pytest.mark.parametrize(
    "query",
    [
        "May I ask what my dog is called?",  # a bare month name is a verb as often
        "I have 2021 photos of my cat",  # a number that could be a year, without "in"
        "What did I say on May 32?",  # no such day
        "13月5号",  # no such month
        "我喜欢吃北京烤鸭",
        "",
    ],
)
def test_it_reads_no_date_where_none_is_named(query):
    assert query_dates(query) == []


def day(year: int, month: int, date: int) -> int:
    return int(datetime(year, month, date, 15, tzinfo=UTC).timestamp())


@pytest.fixture
def diary(alice, add):
    """Three days of what alice said: the day's words never name the day."""
    add("I watched Inception at the cinema", timestamp=day(2023, 5, 1))
    add("I fixed the bike's back wheel", timestamp=day(2023, 5, 1))
    add("My sister called about her new flat", timestamp=day(2023, 5, 2))
    add("我今天去博物馆看了恐龙化石展览", timestamp=day(2023, 5, 4))
    add("我和朋友去公园野餐了", timestamp=day(2023, 5, 5))
    add("I watched a documentary about whales", timestamp=day(2023, 5, 7))


def search(tenant, query: str, **body) -> list[dict]:
    body = {"query": query, "filters": {"user_id": "alice"}, "threshold": 0, **body}
    response = tenant.client().post(SEARCH, body, format="json")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def texts(results: list[dict]) -> list[str]:
    return [result["memory"] for result in results]


def test_a_question_about_a_day_finds_what_was_said_that_day(alice, diary):
    results = search(alice, "What movie did I watch on May 1st?")

    assert texts(results)[0] == "I watched Inception at the cinema"
    assert "I fixed the bike's back wheel" in texts(results)[:2]
    assert all(0 <= result["score"] <= 1 for result in results)


def test_a_chinese_question_about_a_day_finds_that_days_memory(alice, diary):
    assert texts(search(alice, "我在5月4号看了什么展览？"))[0] == "我今天去博物馆看了恐龙化石展览"  # noqa: RUF001
    assert texts(search(alice, "五月五日我做了什么"))[0] == "我和朋友去公园野餐了"


def test_the_day_lifts_its_memories_without_hiding_the_others(alice, diary, monkeypatch):
    query = "What did I watch on May 7th?"
    lifted = {r["memory"]: r["score"] for r in search(alice, query)}
    monkeypatch.setattr(search_module, "DATE_BONUS", 0.0)
    plain = {r["memory"]: r["score"] for r in search(alice, query)}

    whales = "I watched a documentary about whales"
    assert max(lifted, key=lifted.get) == whales
    assert lifted[whales] == pytest.approx(min(plain[whales] + DATE_BONUS, 1.0), abs=1e-3)
    # Another day's memories keep their scores: the date lifts, it does not filter.
    others = set(plain) - {whales}
    assert others and all(lifted[text] == pytest.approx(plain[text], abs=1e-3) for text in others)


def test_a_day_with_nothing_said_changes_nothing(alice, diary):
    assert search(alice, "What did I watch on June 9th?") == search(
        alice, "What did I watch on June 9th?"
    )
    scores = {r["memory"]: r["score"] for r in search(alice, "What did I watch on June 9th?")}
    assert max(scores.values()) < 1.0


@pytest.mark.parametrize("exact", [True, False])
def test_the_days_memories_are_candidates_on_both_index_paths(alice, add, exact, monkeypatch):
    """A memory of the day that neither words nor meaning bring into the pool of 30."""
    for i in range(40):
        add(f"I watched a film about space travel, part {i}", timestamp=day(2023, 6, 2))
    add("Our team shipped the billing service", timestamp=day(2023, 6, 1))
    project = Project.objects.get(pk=alice.project.pk)
    # Lifted to the top whatever its own score, so its presence shows it was a candidate.
    monkeypatch.setattr(search_module, "DATE_BONUS", 1.0)

    hits = memory_search(
        project=project,
        query="What film did I watch on June 1st?",
        where=Q(user_id="alice"),
        top_k=3,
        exact=exact,
    )

    assert hits[0].memory.text == "Our team shipped the billing service"
    assert hits[0].dated and not hits[1].dated
