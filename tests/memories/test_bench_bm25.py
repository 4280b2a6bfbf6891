"""The pure-Python BM25 of `bench memorybank`, on a tiny bilingual corpus."""

# ruff: noqa: RUF001 - Chinese text is written with full-width punctuation

from __future__ import annotations

from memories.bench.bm25 import BM25, tokens

CORPUS = [
    "我今天学做了清蒸鲈鱼",
    "我去绿禾公园散步，看到了一只松鼠",
    "The cat sleeps on the sofa",
    "I walked the dog in the park",
]


def test_it_cuts_chinese_into_bigrams_and_english_into_words():
    assert tokens("绿禾公园 Green Park，鱼") == ["绿禾", "禾公", "公园", "green", "park", "鱼"]


def test_it_drops_english_stop_words_and_lower_cases():
    assert tokens("What is THE Dog's name?") == ["dog", "s", "name"]


def test_it_ranks_the_document_sharing_a_chinese_bigram_first():
    assert BM25(CORPUS).rank("你在哪个公园看到了松鼠？", 10) == [1]


def test_it_ranks_english_by_shared_words_and_leaves_out_unmatched_documents():
    assert BM25(CORPUS).rank("Where did I walk the dog?", 10) == [3]


def test_it_prefers_the_rarer_word():
    ranked = BM25(["tea tea", "tea coffee", "tea juice"]).rank("tea coffee", 10)

    assert ranked[0] == 1 and set(ranked) == {0, 1, 2}


def test_it_ranks_nothing_in_an_empty_corpus():
    assert BM25([]).rank("anything", 5) == []
