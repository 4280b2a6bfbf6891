"""The lexical stage of search: BM25 over PostgreSQL's tsvector, with the scope's statistics.

ts_rank_cd with an OR query counts matches but knows nothing of how rare a word is, so a word in
every memory of a user (their name, "really") outweighs the one word that matters. This stage
scores the scope's matching memories with Okapi BM25 in one SQL statement:

- the query's lexemes come from the same parser, dictionary and CJK segmentation as the index
  (stop words dropped, words stemmed, CJK runs cut into bigrams: memories/text.py);
- IDF comes from the scope itself: N is its size (counted up to SCOPE_SAMPLE rows) and a
  lexeme's document frequency is the number of matching memories whose *text* holds it;
- term frequency is read from the tsvector's weights: positions of the text (weight A) count 1,
  positions of the adjacent-message context (weight D, see memories/message_context.py) count
  CONTEXT_WEIGHT, so a reply is found by the question it answers, a little below the question;
- length normalisation uses the text's length in characters against the mean of the matches.

A scope pinned to one entity is read through its btree index, so every matching memory is
scored. A wide scope goes through the GIN index and scores the WIDE_DOCS memories that
ts_rank_cd ranks first among the first WIDE_MATCHES matches, so the statistics (and, for words
common in a big scope, the candidates) are estimates there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F
from django.db.models.functions import Length

from memories.models import Memory
from memories.text import TEXT_SEARCH_CONFIG, or_terms

BM25_K1 = 0.9  # the Anserini defaults: short documents saturate fast
BM25_B = 0.4
CONTEXT_WEIGHT = 0.3
SCOPE_SAMPLE = 10_000
WIDE_DOCS = 1_000
WIDE_MATCHES = 5_000

# The lexical stage as common table expressions ending in `ranked (id, bm25)`; search runs
# them in the same statement as the dense stage (selectors/search.py), so both cost one round trip.
BM25_CTES = """
q AS (SELECT u.lexeme, u.positions[1] AS position
      FROM unnest(to_tsvector(%s::regconfig, engram_lexical(%s))) u),
docs AS MATERIALIZED ({docs}),
scope AS (SELECT count(*)::float8 AS n FROM ({scope}) s),
stats AS (SELECT greatest(avg(dl), 1)::float8 AS avgdl FROM docs),
ql AS (SELECT array_agg(lexeme) AS lexemes FROM q),
-- Each memory's vector cut down to the query's lexemes, weights kept, without unnesting it
-- whole (the slow part): mark the query's lexemes B, list the others, delete those.
terms AS (
    SELECT d.id, u.lexeme,
           cardinality(array_positions(u.weights, 'A')) AS tf_text,
           cardinality(array_positions(u.weights, 'D')) AS tf_context
    FROM docs d CROSS JOIN ql CROSS JOIN LATERAL unnest(ts_delete(
        d.search_vector,
        tsvector_to_array(ts_filter(setweight(d.search_vector, 'b', ql.lexemes), '{{a,d}}'))
    )) u
),
idf AS (
    SELECT t.lexeme, ln(1 + (scope.n - t.df + 0.5) / (t.df + 0.5)) AS idf
    FROM (SELECT lexeme, count(*) FILTER (WHERE tf_text > 0) AS df FROM terms GROUP BY lexeme) t,
         scope
),
ranked AS (
    SELECT t.id,
           sum(idf.idf * t.tf * (%s + 1) / (t.tf + %s * (1 - %s + %s * d.dl / stats.avgdl)))
               AS bm25
    FROM (SELECT id, lexeme, tf_text + %s * tf_context AS tf FROM terms) t
    JOIN idf USING (lexeme) JOIN docs d USING (id) CROSS JOIN stats
    GROUP BY t.id
    ORDER BY bm25 DESC, t.id
    LIMIT %s
)"""
# What the rerank stage reuses, computed once per statement.
BM25_EXTRAS = """(SELECT jsonb_object_agg(lexeme, idf) FROM idf) AS idf,
       (SELECT jsonb_agg(jsonb_build_array(lexeme, position) ORDER BY position) FROM q)
           AS lexemes,
       (SELECT sum(coalesce(idf.idf, ln(1 + (scope.n + 0.5) / 0.5)))
        FROM q LEFT JOIN idf USING (lexeme) CROSS JOIN scope) AS attainable"""


@dataclass
class LexicalResult:
    """The best memories by BM25 (best first, each with .bm25 and .distance), and what the
    rerank stage reuses."""

    memories: dict = field(default_factory=dict)  # id -> Memory
    idf: dict[str, float] = field(default_factory=dict)  # lexeme -> IDF in this scope
    lexemes: list[str] = field(default_factory=list)  # the query's lexemes, in query order
    positions: list[int] = field(default_factory=list)  # and their positions in the query
    # The BM25 of a memory of average length that holds each of the query's lexemes once: the
    # sum of their IDFs (a lexeme no memory of the scope holds counts as the rarest). A share
    # of it means the same in every query, where a share of the best candidate's would make a
    # match of one common word of the query score as high as a match of all of them.
    attainable: float = 0.0


def bm25_ctes(scoped, words: str, pool: int, *, exact: bool) -> tuple[str, list]:
    """The BM25_CTES for `words` (text.query_words' output, not empty) over `scoped` and their
    parameters."""
    # OR of the words and CJK terms: a memory holding some of them still ranks, unlike
    # plainto_tsquery.
    tsquery = SearchQuery(or_terms(words), search_type="raw", config=TEXT_SEARCH_CONFIG)
    matching = scoped.filter(search_vector=tsquery).annotate(dl=Length("text"))
    if not exact:
        # Common words match a large share of a big scope (90,000 of 1M rows for "user think
        # wine month"): rank a bounded sample of the matches, not all of them (300 -> ~20 ms).
        sample = matching.order_by().values("pk")[:WIDE_MATCHES]
        matching = (
            Memory.objects.filter(pk__in=sample)
            .annotate(dl=Length("text"))
            .annotate(rank=SearchRank(F("search_vector"), tsquery, cover_density=True))
            .order_by("-rank")[:WIDE_DOCS]
        )
    else:
        matching = matching.order_by()
    docs_sql, docs_params = matching.values("id", "search_vector", "dl").query.sql_with_params()
    scope_sql, scope_params = scoped.order_by().values("id")[:SCOPE_SAMPLE].query.sql_with_params()
    sql = BM25_CTES.format(docs=docs_sql, scope=scope_sql)
    params = [
        TEXT_SEARCH_CONFIG,
        words,
        *docs_params,
        *scope_params,
        BM25_K1,
        BM25_K1,
        BM25_B,
        BM25_B,
        CONTEXT_WEIGHT,
        pool,
    ]
    return sql, params


def memory_columns(skip: tuple = ()) -> str:
    """The Memory columns as `m.<column>`, without the `skip` fields."""
    return ", ".join(
        f"m.{connection.ops.quote_name(f.column)}"
        for f in Memory._meta.concrete_fields
        if f.name not in skip
    )


def lexical_result(rows: list) -> LexicalResult:
    """The LexicalResult of rows that carry `bm25` (None for rows BM25 did not rank), `idf`
    and `lexemes`."""
    ranked = [row for row in rows if row.bm25 is not None]
    if not ranked:
        return LexicalResult()
    idf, lexemes = (_json(getattr(ranked[0], name)) for name in ("idf", "lexemes"))
    for memory in ranked:
        memory.bm25 = float(memory.bm25)
    return LexicalResult(
        memories={m.pk: m for m in sorted(ranked, key=lambda m: (-m.bm25, str(m.pk)))},
        idf=idf or {},
        attainable=float(ranked[0].attainable or 0.0),
        lexemes=[lexeme for lexeme, _ in lexemes or []],
        positions=[position for _, position in lexemes or []],
    )


def _json(value):
    return json.loads(value) if isinstance(value, str) else value  # raw jsonb is left undecoded


def vector_literal(vector) -> str:
    """pgvector's text form of `vector`, float32 digits included (as pgvector.django writes
    the dense stage's parameter), so one literal serves every place the statement needs it."""
    import numpy as np

    return "[" + ",".join(map(str, np.asarray(vector, dtype=np.float32).tolist())) + "]"
