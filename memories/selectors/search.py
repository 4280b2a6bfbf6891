"""Hybrid search: dense (pgvector cosine) and lexical (BM25 over PostgreSQL full-text)
candidates, fused by a weighted sum of the cosine similarity and the BM25 score divided by the
best candidate's; `rerank=True` adds a lexical-proximity second stage (selectors/rerank.py).

Index path: a scope pinned to one entity (user_id = 'alice') is small, so its candidates come
from an exact scan of that entity's rows through the btree index — exact and under a
millisecond. A wide scope (several entities, wildcards, the whole project) goes through the HNSW
index with pgvector's iterative scans, so a selective filter cannot starve the result.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Q

from accounts.models import Project
from memories.calibration import calibrated, query_language, scale_of
from memories.extraction.offline_categories import named_categories
from memories.models import Memory
from memories.query_dates import DateSpan, dates_q, query_dates
from memories.selectors.memories import memories_of
from memories.selectors.rerank import rerank as rerank_hits
from memories.selectors.search_dense import (
    UNUSED_COLUMNS,
    QueryVector,
    distance_sql,
    nearest_of,
    query_vectors,
)
from memories.selectors.search_lexical import (
    BM25_EXTRAS,
    LexicalResult,
    bm25_ctes,
    lexical_result,
    memory_columns,
)
from memories.selectors.search_rows import candidate_rows, memory_of
from memories.selectors.search_statements import candidates_statement
from memories.text import query_words

# Both parts are on absolute scales (calibration.py, LexicalResult.attainable). The share of
# meaning: 0.4 was at least as good as 0.5-0.7 in each of LoCoMo's seven conversations and
# within a question of the best on MemoryBank zh and en (docs/benchmarks.md, 2026-12-07).
DENSE_WEIGHT = 0.4
LEXICAL_WEIGHT = 1 - DENSE_WEIGHT
HNSW_EF_SEARCH = 100
# What a memory said on a day the query names gains (query_dates.py), the score kept at most 1.
# A lift, not a filter: a date can also name when something happens ("where am I going on
# June 5th?"), and then the memory that says so was written on another day. Recall on the
# date-anchored questions of MemoryBank and LoCoMo is flat from 0.2 to 0.5 (docs/benchmarks.md).
DATE_BONUS = 0.3
# What is filed under a category the query names gains this much ("技术栈" names technology,
# where "喜欢写 Python 代码" is filed though it shares no word with the query and little meaning;
# offline_categories.named_categories). Chosen on the offline extractor's memories, whose
# categories are their rules' (docs/benchmarks.md).
CATEGORY_BONUS = 0.1


@dataclass
class SearchHit:
    memory: Memory  # a search_rows.Candidate inside memory_search, until it returns
    score: float
    dense: float
    lexical: float
    rerank: float = 0.0
    dated: bool = False  # said on a day the query names: lifted by DATE_BONUS
    # The categories the query names that the memory is filed under: lifted by CATEGORY_BONUS.
    named_categories: tuple[str, ...] = ()

    def breakdown(self) -> dict:
        return {"semantic": round(self.dense, 4), "bm25": round(self.lexical, 4), "entity": 0.0}


def memory_search(
    *,
    project: Project,
    query: str,
    where: Q,
    top_k: int = 10,
    threshold: float = 0.0,
    exact: bool = True,
    weights: tuple[float, float] = (DENSE_WEIGHT, LEXICAL_WEIGHT),
    rerank: bool = False,
) -> list[SearchHit]:
    """The `top_k` best memories for `query` among `where`, scores in [0, 1], best first."""
    pool = max(top_k * 3, 30)
    vectors = query_vectors(project, query)
    dense, lexical = _candidates(project, where, query, vectors, pool, exact, bool(weights[1]))
    dates = query_dates(query)
    if dates:
        for pk, memory in _dated(project, where, vectors, dates, pool, exact=exact).items():
            dense.setdefault(pk, memory)
    hits = _fuse(dense, lexical, weights, query_language(query))
    if rerank:
        hits = rerank_hits(hits, lexical=lexical, weights=weights)
    named = named_categories(query)
    if dates or named:
        hits = _lift(hits, dates, named)
    hits = [hit for hit in hits if hit.score >= threshold][:top_k]
    for hit in hits:
        hit.memory = memory_of(hit.memory, UNUSED_COLUMNS)
    return hits


# Dense and lexical candidates in ONE statement: one round trip, and the lexical stage reads the
# heap pages the dense stage just brought into shared buffers.
_CANDIDATES = """WITH dense AS MATERIALIZED ({dense}),
{lexical},
picked AS (SELECT id FROM dense UNION SELECT id FROM ranked)
SELECT {columns}, dense.distance AS dense_distance, ranked.bm25,
       {distance} AS distance, {extras}
FROM picked JOIN {table} m ON m.id = picked.id
LEFT JOIN dense ON dense.id = m.id LEFT JOIN ranked ON ranked.id = m.id
"""


def _candidates(project, where, query: str, vectors: list[QueryVector], pool, exact, lexical):
    """({id: memory} of the `pool` nearest of each model, LexicalResult of the `pool` best by
    BM25)."""
    words = query_words(query) if lexical else ""
    if not words:
        scoped = memories_of(project=project).filter(where)
        dense = {}
        with _index_path(exact=exact, pool=pool):
            for vector in vectors:
                dense.update((m.pk, m) for m in nearest_of(scoped, vector, pool, exact=exact))
        return _unstarved(dense, project, where, vectors, pool, exact=exact), LexicalResult()
    try:
        if len(vectors) == 1:  # the usual case, templated (search_statements.py)
            [only] = vectors

            def build(project, where, words, values):
                one = [QueryVector(only.model, only.dim, values)]
                return _candidates_sql(project, where, words, one, pool=pool, exact=exact)

            sql, params = candidates_statement(
                project=project,
                where=where,
                words=words,
                vector=only.values,
                key=(pool, exact, only.model, only.dim),
                build=build,
            )
        else:  # while the project changes models
            sql, params = _candidates_sql(project, where, words, vectors, pool=pool, exact=exact)
    except EmptyResultSet:  # the filter can match nothing, e.g. {"agent_id": {"in": []}}
        return {}, LexicalResult()
    with _index_path(exact=exact, pool=pool):
        rows = candidate_rows(sql, params, UNUSED_COLUMNS)
    dense = {row.pk: row for row in rows if row.dense_distance is not None}
    return _unstarved(dense, project, where, vectors, pool, exact=exact), lexical_result(rows)


def _candidates_sql(project, where, words: str, vectors: list[QueryVector], *, pool, exact):
    """The candidates statement and its parameters, built through the ORM."""
    scoped = memories_of(project=project).filter(where)
    stages, dense_params = [], []
    for vector in vectors:
        nearest = nearest_of(scoped, vector, pool, exact=exact)
        stage_sql, stage_params = nearest.values("id", "distance").query.sql_with_params()
        stages.append(f"({stage_sql})")
        dense_params += stage_params
    lexical_sql, lexical_params = bm25_ctes(scoped, words, pool, exact=exact)
    distance, distance_params = distance_sql(vectors, "m")
    sql = _CANDIDATES.format(
        dense=" UNION ALL ".join(stages),
        lexical=lexical_sql,
        columns=memory_columns(UNUSED_COLUMNS),
        distance=distance,
        table=Memory._meta.db_table,
        extras=BM25_EXTRAS,
    )
    return sql, [*dense_params, *lexical_params, *distance_params]


def _unstarved(dense: dict, project, where, vectors, pool: int, *, exact: bool) -> dict:
    """The HNSW candidates, or the exact ones when HNSW came back short.

    pgvector's iterative scan gives up after hnsw.max_scan_tuples (20,000) index tuples, so a
    filter whose rows are few and far between in the graph can return fewer than `pool` even
    though more rows match; the exact scan then answers (it costs more, but only then).
    """
    if exact or len(dense) >= pool * len(vectors):
        return dense
    scoped = memories_of(project=project).filter(where)
    exact_dense = {}
    for vector in vectors:
        exact_dense.update((m.pk, m) for m in nearest_of(scoped, vector, pool, exact=True))
    return exact_dense


def _dated(project, where, vectors, dates: list[DateSpan], pool: int, *, exact: bool) -> dict:
    """The `pool` nearest memories of the days `dates` name: a day's memories rarely share the
    question's words or meaning ("what did I tell you on May 1st?"), so neither stage finds
    them by itself."""
    scoped = memories_of(project=project).filter(where).filter(dates_q(dates))
    found = {}
    with _index_path(exact=exact, pool=pool):
        for vector in vectors:
            found.update((m.pk, m) for m in nearest_of(scoped, vector, pool, exact=exact))
    return found


def _lift(hits: list[SearchHit], dates: list[DateSpan], named: frozenset[str]) -> list[SearchHit]:
    """What the query names besides its words and meaning: a day (DATE_BONUS), a category
    (CATEGORY_BONUS). The score stays at most 1."""
    for hit in hits:
        hit.dated = any(span.holds(hit.memory.created_at) for span in dates)
        hit.named_categories = tuple(c for c in hit.memory.categories or () if c in named)
        lift = DATE_BONUS * hit.dated + CATEGORY_BONUS * bool(hit.named_categories)
        hit.score = min(hit.score + lift, 1.0)
    return sorted(hits, key=lambda hit: -hit.score)  # stable: ties keep fusion's order


@contextmanager
def _index_path(*, exact: bool, pool: int):
    """The HNSW path scans iteratively (a selective filter cannot starve it) with ef_search
    at least the pool; the exact path needs no settings."""
    if exact:
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        cursor.execute(f"SET LOCAL hnsw.ef_search = {max(HNSW_EF_SEARCH, pool)}")
        yield


def _fuse(dense: dict, lexical: LexicalResult, weights, language: str) -> list[SearchHit]:
    """Each candidate's score: its cosine on the common scale (calibration.py) and its BM25 as
    a share of what the query's words can reach (LexicalResult.attainable), weighted."""
    found = lexical.memories
    attainable = lexical.attainable or 1.0
    hits = []
    for pk in dense.keys() | found.keys():
        memory = dense.get(pk) or found[pk]
        if memory.distance is None:  # no vector, or one of a model this process cannot run
            semantic = 0.0
        else:
            scale = scale_of(memory.embedding_model, language)
            semantic = calibrated(1.0 - memory.distance, scale)
        lexical_score = min(found[pk].bm25 / attainable, 1.0) if pk in found else 0.0
        score = weights[0] * semantic + weights[1] * lexical_score
        hits.append(SearchHit(memory=memory, score=score, dense=semantic, lexical=lexical_score))
    hits.sort(key=lambda hit: (-hit.score, -hit.memory.created_at.timestamp()))
    return hits
