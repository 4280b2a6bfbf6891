"""Full-text search in every script (memories/text.py, migration 0008): CJK runs are cut into
character bigrams on both sides, Latin words keep the english configuration's stemming."""

from __future__ import annotations

import pytest
from django.db import connection

SEARCH = "/v3/memories/search/"


def search(tenant, query: str) -> list[dict]:
    body = {"query": query, "filters": {"user_id": "alice"}, "threshold": 0}
    response = tenant.client().post(SEARCH, body, format="json")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def add_apart(add, *texts: str) -> None:
    """One add call per text: no memory gets another as its context."""
    for text in texts:
        add(text)


def lexical_hits(tenant, query: str) -> list[str]:
    """The memories the lexical stage scored, best first."""
    return [r["memory"] for r in search(tenant, query) if r["score_breakdown"]["bm25"] > 0]


def sql(function: str, text: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [text])
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("我喜欢吃北京烤鸭", "我喜 喜欢 欢吃 吃北 北京 京烤 烤鸭"),
        ("喜欢写 Python 代码", "喜欢 欢写 代码"),
        ("猫，和狗", "猫 和狗"),  # noqa: RUF001 - a run of one character is itself; punctuation cuts runs
        ("東京に住む", "東京 京に に住 住む"),
        ("서울에 살아요", "서울 울에 살아 아요"),
        ("I love running", ""),
        # Yi, Latin extended-D and private use characters are not CJK
        ("豈更 \ua000\ua001 \ua78c\ua78c \ue000\ue001", "豈更"),
    ],
)
def test_it_cuts_every_cjk_run_into_bigrams(db, text, terms):
    assert sql("engram_cjk_terms", text) == terms


def test_it_keeps_the_text_and_ors_its_words_and_terms(db):
    assert sql("engram_or_terms", "python 代码") == "python | 代码 | 代码"
    assert sql("engram_lexical", "北京烤鸭") == "北京烤鸭 北京 京烤 烤鸭"


def test_it_finds_a_chinese_word_inside_a_sentence(alice, add):
    add_apart(add, "我喜欢吃北京烤鸭", "我今天去公园散步了", "烤面包很好吃")

    assert lexical_hits(alice, "烤鸭")[0] == "我喜欢吃北京烤鸭"


def test_it_finds_mixed_text_by_either_language(alice, add):
    add_apart(add, "我是程序员，喜欢写 Python 代码", "周末我去爬山")  # noqa: RUF001

    assert lexical_hits(alice, "Python") == ["我是程序员，喜欢写 Python 代码"]  # noqa: RUF001
    assert lexical_hits(alice, "写代码")[0] == "我是程序员，喜欢写 Python 代码"  # noqa: RUF001


def test_it_keeps_english_stemming(alice, add):
    add_apart(add, "I love running in the park", "My sister plays the violin")

    assert lexical_hits(alice, "runs") == ["I love running in the park"]


@pytest.mark.parametrize(
    ("texts", "query"),
    [
        (["私は東京に住んでいます", "猫が好きです"], "東京"),
        (["저는 서울에 살아요", "고양이를 좋아해요"], "서울"),
    ],
)
def test_it_stores_and_finds_japanese_and_korean(alice, add, texts, query):
    add_apart(add, *texts)

    assert lexical_hits(alice, query) == [texts[0]]


def test_it_finds_the_chinese_quick_start_sentence_by_its_allergy(alice, add):
    sentence = "我喜欢印度菜，但对奶酪过敏不能吃披萨"  # noqa: RUF001
    add(sentence, "我会记住您的饮食偏好")

    assert lexical_hits(alice, "我对什么过敏？")[0] == sentence  # noqa: RUF001
