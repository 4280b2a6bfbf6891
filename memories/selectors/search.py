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
from django.db.models import F, FloatField, Q, Value
from django.db.models.expressions import ExpressionWrapper
from pgvector.django import CosineDistance

from accounts.models import Project
from memories import embeddings
from memories.models import Memory
from memories.selectors.memories import memories_of
from memories.selectors.rerank import rerank as rerank_hits
from memories.selectors.search_lexical import (
    BM25_EXTRAS,
    LexicalResult,
    bm25_ctes,
    lexical_result,
    memory_columns,
    vector_literal,
)
from memories.selectors.search_rows import candidate_rows, memory_of
from memories.selectors.search_statements import candidates_statement
from memories.text import query_words

# BM25 (unlike ts_rank_cd) knows how rare a word is, so it earns a larger share than before.
DENSE_WEIGHT = 0.6
LEXICAL_WEIGHT = 1 - DENSE_WEIGHT
HNSW_EF_SEARCH = 100
# Large columns a result never shows: parsing 384 floats per row costs more than the query.
UNUSED_COLUMNS = ("embedding", "search_vector", "context")


@dataclass
class SearchHit:
    memory: Memory  # a search_rows.Candidate inside memory_search, until it returns
    score: float
    dense: float
    lexical: float
    rerank: float = 0.0

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
    vector = embeddings.embed_query(query)
    dense, lexical = _candidates(project, where, query, vector, pool, exact, bool(weights[1]))
    hits = _fuse(dense, lexical, weights)
    if rerank:
        hits = rerank_hits(hits, lexical=lexical, weights=weights)
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
       m.embedding <=> %s::vector AS distance, {extras}
FROM picked JOIN {table} m ON m.id = picked.id
LEFT JOIN dense ON dense.id = m.id LEFT JOIN ranked ON ranked.id = m.id
"""


def _candidates(project, where, query: str, vector, pool: int, exact: bool, lexical: bool):
    """({id: memory} of the `pool` nearest, LexicalResult of the `pool` best by BM25)."""
    words = query_words(query) if lexical else ""
    if not words:
        scoped = memories_of(project=project).filter(where)
        with _index_path(exact=exact, pool=pool):
            dense = {m.pk: m for m in nearest_of(scoped, vector, pool, exact=exact)}
        return _unstarved(dense, project, where, vector, pool, exact=exact), LexicalResult()

    def build(project, where, words, vector):
        return _candidates_sql(project, where, words, vector, pool=pool, exact=exact)

    try:
        sql, params = candidates_statement(
            project=project, where=where, words=words, vector=vector, key=(pool, exact), build=build
        )
    except EmptyResultSet:  # the filter can match nothing, e.g. {"agent_id": {"in": []}}
        return {}, LexicalResult()
    with _index_path(exact=exact, pool=pool):
        rows = candidate_rows(sql, params, UNUSED_COLUMNS)
    dense = {row.pk: row for row in rows if row.dense_distance is not None}
    return _unstarved(dense, project, where, vector, pool, exact=exact), lexical_result(rows)


def _candidates_sql(project, where, words: str, vector, *, pool: int, exact: bool):
    """The candidates statement and its parameters, built through the ORM."""
    scoped = memories_of(project=project).filter(where)
    nearest = nearest_of(scoped, vector, pool, exact=exact)
    dense_sql, dense_params = nearest.values("id", "distance").query.sql_with_params()
    lexical_sql, lexical_params = bm25_ctes(scoped, words, pool, exact=exact)
    sql = _CANDIDATES.format(
        dense=dense_sql,
        lexical=lexical_sql,
        columns=memory_columns(UNUSED_COLUMNS),
        table=Memory._meta.db_table,
        extras=BM25_EXTRAS,
    )
    return sql, [*dense_params, *lexical_params, vector_literal(vector)]


def _unstarved(dense: dict, project, where, vector, pool: int, *, exact: bool) -> dict:
    """The HNSW candidates, or the exact ones when HNSW came back short.

    pgvector's iterative scan gives up after hnsw.max_scan_tuples (20,000) index tuples, so a
    filter whose rows are few and far between in the graph can return fewer than `pool` even
    though more rows match; the exact scan then answers (it costs more, but only then).
    """
    if exact or len(dense) >= pool:
        return dense
    scoped = memories_of(project=project).filter(where)
    return {m.pk: m for m in nearest_of(scoped, vector, pool, exact=True)}


def nearest_of(scoped, vector, pool: int, *, exact: bool):
    """The `pool` memories of `scoped` nearest to `vector`, with `.distance`; `exact` scans
    the scope's rows instead of walking the HNSW index (see exact_distance_order)."""
    return (
        scoped.exclude(embedding=None)
        .defer(*UNUSED_COLUMNS)
        .annotate(distance=CosineDistance("embedding", vector))
        .order_by(exact_distance_order() if exact else "distance")
    )[:pool]


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


def exact_distance_order() -> ExpressionWrapper:
    """Order by the annotated `distance` with an exact scan: "+ 0" hides the operator from the
    planner, so it filters through the btree and sorts, instead of walking the HNSW index for
    the whole project (which a selective filter can starve)."""
    return ExpressionWrapper(F("distance") + Value(0.0), output_field=FloatField())


def memory_nearest(*, project: Project, scope: dict, vector, limit: int) -> list[tuple]:
    """(id, text, subject, immutable, distance) of the scope's nearest memories, exactly."""
    pinned = {name: value for name, value in scope.items() if value}
    scoped = memories_of(project=project).filter(**pinned)
    nearest = nearest_of(scoped, vector, limit, exact=True)
    return list(nearest.values_list("id", "text", "subject", "immutable", "distance"))


def _fuse(dense: dict, lexical: LexicalResult, weights: tuple[float, float]) -> list[SearchHit]:
    found = lexical.memories
    top = lexical.top or 1.0
    hits = []
    for pk in dense.keys() | found.keys():
        memory = dense.get(pk) or found[pk]
        distance = memory.distance if memory.distance is not None else 1.0  # no embedding
        semantic = min(max(1.0 - distance, 0.0), 1.0)
        lexical_score = found[pk].bm25 / top if pk in found else 0.0
        score = weights[0] * semantic + weights[1] * lexical_score
        hits.append(SearchHit(memory=memory, score=score, dense=semantic, lexical=lexical_score))
    hits.sort(key=lambda hit: (-hit.score, -hit.memory.created_at.timestamp()))
    return hits
