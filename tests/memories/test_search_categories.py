"""Categories a search query names (offline_categories.named_categories) and the lift they give
the memories filed under them (selectors/search.py: CATEGORY_BONUS), in English and Chinese."""

from __future__ import annotations

import pytest

from memories.extraction.offline_categories import named_categories
from memories.selectors import search as search_module
from memories.selectors.search import CATEGORY_BONUS

SEARCH = "/v3/memories/search/"


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("技术栈", {"technology"}),
        ("饮食偏好", {"food", "user_preferences"}),
        ("我对什么过敏？", {"health"}),  # noqa: RUF001
        ("我的家人", {"family"}),
        ("What are my hobbies?", {"hobbies"}),
        ("what food do I like", {"food"}),
        ("Any allergies I should know about?", {"health"}),
        ("my travel plans", {"travel"}),
    ],
)
def test_it_reads_the_categories_a_query_names(query, named):
    assert named_categories(query) == named


@pytest.mark.parametrize(
    "query", ["When did Caroline go to the support group?", "北京烤鸭好吃吗", "", "???"]
)
def test_a_query_naming_no_category_names_none(query):
    assert named_categories(query) == frozenset()


def search(tenant, query: str, **body) -> list[dict]:
    body = {"query": query, "filters": {"user_id": "alice"}, **body}
    response = tenant.client().post(SEARCH, body, format="json")
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def quick_start(extract):
    extract("我喜欢印度菜，但对奶酪过敏不能吃披萨")  # noqa: RUF001
    extract("我是程序员，喜欢写 Python 代码")  # noqa: RUF001


def test_a_memory_filed_under_the_named_category_is_lifted(alice, quick_start, monkeypatch):
    """技术栈 shares no word with 喜欢写 Python 代码 and little meaning: filed under
    technology, it is found at the default threshold only because the query names it."""
    lifted = {r["memory"]: r["score"] for r in search(alice, "技术栈", threshold=0)}
    monkeypatch.setattr(search_module, "CATEGORY_BONUS", 0.0)
    plain = {r["memory"]: r["score"] for r in search(alice, "技术栈", threshold=0)}
    hidden = [r["memory"] for r in search(alice, "技术栈")]  # the default threshold, 0.1

    python = "喜欢写 Python 代码"
    assert lifted[python] == pytest.approx(plain[python] + CATEGORY_BONUS, abs=1e-3)
    assert python not in hidden
    # Filed elsewhere: unchanged.
    food = {"喜欢印度菜", "对奶酪过敏", "不能吃披萨"}
    assert all(lifted[text] == pytest.approx(plain[text], abs=1e-3) for text in food)


def test_the_chinese_quick_start_finds_its_memories_at_the_default_threshold(alice, quick_start):
    def top(query: str) -> list[str]:
        return [r["memory"] for r in search(alice, query)][:3]

    assert top("我对什么过敏？")[0] == "对奶酪过敏"  # noqa: RUF001
    assert "对奶酪过敏" in top("饮食偏好")
    assert "喜欢写 Python 代码" in top("技术栈")


def test_a_query_naming_no_category_lifts_nothing(alice, quick_start, monkeypatch):
    query = "印度菜"
    lifted = search(alice, query, threshold=0)
    monkeypatch.setattr(search_module, "CATEGORY_BONUS", 0.0)
    assert search(alice, query, threshold=0) == lifted
