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
"""

from __future__ import annotations

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
