"""Words as Engram compares them in Python (memories/text.py): the same CJK terms as the index's
SQL function, one stop-word list and one light stemmer."""
# ruff: noqa: RUF001 - full-width CJK punctuation is what these tests are about

from __future__ import annotations

import re

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memories.text import CJK, STOP_WORDS, content_words, query_words, stem, words

# The first and last character of each CJK range of migration 0008, and a neighbour outside it.
EDGES = "\u3040\u30ff\u3400\u4dbf\u4e00\u9fff\uf900\ufaff\uac00\ud7af"
OUTSIDE = "\u303f\u3100\u33ff\u4dc0\ua000\uf8ff\ufb00\uabff\ud7b0"
SAMPLES = [
    "我喜欢吃北京烤鸭",
    "我对奶酪过敏。",
    "你好，世界！今天天气怎么样？",
    "喜欢写 Python 代码",
    "北京2008年奥运会",
    "我有3只猫🐱和1条狗",
    "東京に行きました",
    "カタカナとひらがな、漢字",
    "안녕하세요 저는 학생입니다",
    "한국어와 日本語 and English",
    "猫",
    "a猫b狗c",
    "ｆｕｌｌｗｉｄｔｈ１２３テスト",
    "emoji 😀 only",
    "",
    "plain English text, nothing else.",
    "\uf900\uf901\ufa0e compatibility",
    "㐀㐁 extension A",
    EDGES,
    OUTSIDE,
    "".join(a + b for a, b in zip(EDGES, OUTSIDE, strict=False)),
]


def sql_terms(texts: list[str]) -> list[list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT engram_cjk_terms(t) FROM unnest(%s::text[]) WITH ORDINALITY u(t, n) ORDER BY n",
            [texts],
        )
        return [row[0].split() for row in cursor.fetchall()]


def python_terms(text: str) -> list[str]:
    """The CJK terms among `words(text)` (its other words hold no CJK character)."""
    return [w for w in words(text) if re.fullmatch(f"[{CJK}]+", w)]


# --- segmentation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我喜欢吃北京烤鸭", ["我喜", "喜欢", "欢吃", "吃北", "北京", "京烤", "烤鸭"]),
        ("Ann LOVES hiking!", ["ann", "loves", "hiking"]),
        ("喜欢写Python代码", ["喜欢", "欢写", "python", "代码"]),
        ("東京に行きました", ["東京", "京に", "に行", "行き", "きま", "まし", "した"]),
        ("안녕하세요", ["안녕", "녕하", "하세", "세요"]),
        ("猫，狗。", ["猫", "狗"]),
        ("food_preferences: don't", ["food", "preferences", "don", "t"]),
        ("Café 2024", ["café", "2024"]),
    ],
)
def test_it_cuts_text_into_words_and_cjk_terms(text, expected):
    assert words(text) == expected


def test_it_drops_stop_words_and_repeats_but_no_cjk_term():
    assert content_words("What does the user like? I like 北京 and 北京烤鸭") == [
        "user",
        "like",
        "北京",
        "京烤",
        "烤鸭",
    ]


@pytest.mark.parametrize(
    ("forms", "stemmed"),
    [
        (["hiking", "hikes", "hike"], "hik"),
        (["dogs", "dog"], "dog"),
        (["cities", "city"], "city"),
        (["allergies", "allergic", "allergy"], "allerg"),
        (["dietary", "diet", "diets"], "diet"),
        (["glasses", "glass"], "glass"),
        (["烤鸭"], "烤鸭"),
        (["ひらがな"], "ひらがな"),
    ],
)
def test_it_stems_word_forms_alike(forms, stemmed):
    assert {stem(word) for word in forms} == {stemmed}


def test_it_keeps_the_query_words_for_the_sql_functions():
    assert query_words("Does Ann like 北京烤鸭? (a|b) & !c") == "does ann like 北京烤鸭 a b c"


# --- the same as the database ---------------------------------------------------------------


def test_it_cuts_cjk_runs_exactly_as_the_sql_function(db):
    for text, terms in zip(SAMPLES, sql_terms(SAMPLES), strict=True):
        assert python_terms(text) == terms, text


def test_it_cuts_any_text_exactly_as_the_sql_function(db):
    alphabet = st.one_of(
        st.sampled_from(list(EDGES + OUTSIDE + "ab Z9_ ，。？！、😀\n\t")),
        st.characters(min_codepoint=0x3000, max_codepoint=0xD7FF),
        st.characters(min_codepoint=0xF800, max_codepoint=0xFFFD),
    )

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.text(alphabet, max_size=12), min_size=1, max_size=20))
    def check(texts: list[str]) -> None:
        for text, terms in zip(texts, sql_terms(texts), strict=True):
            assert python_terms(text) == terms, text

    check()


def test_it_drops_the_stop_words_the_index_drops(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tsvector_to_array(to_tsvector('english', %s))", [" ".join(STOP_WORDS)]
        )
        kept = cursor.fetchone()[0]
    assert sorted(kept) == ["could", "would"]
