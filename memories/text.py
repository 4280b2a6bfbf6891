"""Text as full-text search sees it, in every script.

Chinese, Japanese and Korean are written without spaces between words, so PostgreSQL's parser
takes a whole run of them for one word: 我喜欢吃北京烤鸭 was a single lexeme, and 烤鸭 never
matched it. The database function `engram_lexical(text)` (migration 0008) appends to a text its
CJK terms: the overlapping character bigrams of each run (a run of one character: itself), so
the sentence also holds 北京 and 烤鸭. Other scripts pass through the `english` configuration as
before (stemmed, stop words dropped), so mixed text ("喜欢写 Python 代码") keeps both parts.

The stored tsvector (Memory.search_vector) and every query are segmented by that one SQL
function, so documents and queries can never be cut differently. Character bigrams, not a
dictionary segmenter: they need no vocabulary, work the same for names and new words, and cost
nothing in Python on the add path; BM25's IDF weighs down the bigrams that straddle two words.

The Python side (`words`, `content_words`, `stem`) cuts text the same way for the code that
compares words without the database: the playground's "why it ranked", the offline extractor's
category matching and the exports' schema filling. Its CJK terms equal `engram_cjk_terms`
(tests/memories/test_text.py checks them against the SQL function); other words are runs of
letters and digits, lower-cased, with one English stop-word list and one light stemmer.
"""

from __future__ import annotations

import re

from django.db.models import F, Func, TextField, Value

# Full-text configuration of the generated tsvector, and of every query against it.
TEXT_SEARCH_CONFIG = "english"
# The SQL functions of migration 0008 (memories/migrations/0008_cjk_search.py).
LEXICAL_FUNCTION = "engram_lexical"
OR_TERMS_FUNCTION = "engram_or_terms"


def lexical(field: str) -> Func:
    """The column `field` as search indexes it: its text followed by its CJK terms."""
    return Func(F(field), function=LEXICAL_FUNCTION, output_field=TextField())


def or_terms(words: str) -> Func:
    """`words` and their CJK terms as raw tsquery text matching any of them ("a | b | 烤鸭")."""
    return Func(Value(words), function=OR_TERMS_FUNCTION, output_field=TextField())


# Kana, CJK ideographs (ext. A, unified, compatibility) and hangul: the class engram_cjk_terms
# uses (migration 0008, which must spell it out rather than import it). Escapes, not characters:
# Unicode normalisation of a source file turns U+F900 into U+8C48.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK_RUN = re.compile(f"[{CJK}]+")
# A CJK run, or a run of letters and digits (the underscore separates, as in PostgreSQL's parser).
_TOKEN = re.compile(rf"[{CJK}]+|[^\W_{CJK}]+")
_QUERY_WORD = re.compile(r"\w+")

# The English stop words: those PostgreSQL's "english" configuration drops, plus could/would.
_STOP_WORD_TEXT = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing don down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own s same she should so some such t than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
"""
STOP_WORDS = frozenset(_STOP_WORD_TEXT.split())
# One suffix is cut (the first that leaves three letters), then a final "e", then the stem is
# cut to STEM_LENGTH: "hiking"/"hikes"/"hike", "allergies"/"allergic", "dietary"/"diet" meet.
_SUFFIXES = (("ies", "y"), ("ing", ""), ("ary", ""), ("ed", ""), ("es", ""), ("s", ""))
STEM_LENGTH = 6


def is_cjk(text: str) -> bool:
    """Whether `text` is all CJK (kana, ideographs, hangul)."""
    return _CJK_RUN.fullmatch(text) is not None


def _terms(run: str) -> list[str]:
    """The overlapping character bigrams of a CJK run; a run of one character is itself."""
    return [run[i : i + 2] for i in range(len(run) - 1)] if len(run) > 1 else [run]


def words(text: str) -> list[str]:
    """The lower-cased words of `text` in order, each CJK run cut into its terms."""
    found: list[str] = []
    for run in _TOKEN.findall(text.lower()):
        found += _terms(run) if _CJK_RUN.match(run) else [run]
    return found


def content_words(text: str) -> list[str]:
    """`words(text)` without stop words and repeats, in order."""
    return list(dict.fromkeys(w for w in words(text) if w not in STOP_WORDS))


def stem(word: str) -> str:
    """A light English stemmer, enough for matching word forms; CJK terms are kept as they are."""
    if _CJK_RUN.match(word):
        return word
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)] + replacement
            break
    if len(word) > 3:
        word = word.removesuffix("e")
    return word[:STEM_LENGTH]


def query_words(query: str) -> str:
    """The query as plain words for the SQL functions, which segment its CJK runs themselves:
    punctuation and tsquery operators cannot reach the parser."""
    return " ".join(_QUERY_WORD.findall(query.lower()))
