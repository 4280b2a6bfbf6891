"""Hybrid search: dense (pgvector cosine) and lexical (PostgreSQL full-text) candidates, fused.

Index path: a scope pinned to one entity (user_id = 'alice') is small, so its candidates come
from an exact scan of that entity's rows through the btree index — exact and under a
millisecond. A wide scope (several entities, wildcards, the whole project) goes through the HNSW
index with pgvector's iterative scans, so a selective filter cannot starve the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, transaction
from django.db.models import F, FloatField, Q, Value
from django.db.models.expressions import ExpressionWrapper
from pgvector.django import CosineDistance

from accounts.models import Project
from memories import embeddings
from memories.models import TEXT_SEARCH_CONFIG, Memory
from memories.selectors.memories import memories_of

DENSE_WEIGHT = 0.75
LEXICAL_WEIGHT = 1 - DENSE_WEIGHT
HNSW_EF_SEARCH = 100
_WORD = re.compile(r"\w+", re.UNICODE)
# Large columns a result never shows: parsing 384 floats per row costs more than the query.
UNUSED_COLUMNS = ("embedding", "search_vector")


@dataclass
class SearchHit:
    memory: Memory
    score: float
    dense: float
    lexical: float

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
) -> list[SearchHit]:
    """The `top_k` best memories for `query` among `where`, scores in [0, 1], best first."""
    scoped = memories_of(project=project).filter(where)
    pool = max(top_k * 3, 30)
    vector = embeddings.embed_query(query)
    dense = _dense_candidates(scoped, vector, pool, exact=exact)
    lexical = _lexical_candidates(scoped, query, pool, vector)
    hits = _fuse(dense, lexical, weights)
    return [hit for hit in hits if hit.score >= threshold][:top_k]


def _dense_candidates(scoped, vector, pool: int, *, exact: bool) -> dict:
    annotated = (
        scoped.exclude(embedding=None)
        .defer(*UNUSED_COLUMNS)
        .annotate(distance=CosineDistance("embedding", vector))
    )
    if exact:
        return {m.pk: m for m in annotated.order_by(exact_distance_order())[:pool]}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            cursor.execute(f"SET LOCAL hnsw.ef_search = {max(HNSW_EF_SEARCH, pool)}")
        return {m.pk: m for m in annotated.order_by("distance")[:pool]}


def exact_distance_order() -> ExpressionWrapper:
    """Order by the annotated `distance` with an exact scan: "+ 0" hides the operator from the
    planner, so it filters through the btree and sorts, instead of walking the HNSW index for
    the whole project (which a selective filter can starve)."""
    return ExpressionWrapper(F("distance") + Value(0.0), output_field=FloatField())


def memory_nearest(*, project: Project, scope: dict, vector, limit: int) -> list[tuple]:
    """(id, text, subject, immutable, distance) of the scope's nearest memories, exactly."""
    pinned = {name: value for name, value in scope.items() if value}
    return list(
        memories_of(project=project)
        .filter(**pinned)
        .exclude(embedding=None)
        .annotate(distance=CosineDistance("embedding", vector))
        .order_by(exact_distance_order())
        .values_list("id", "text", "subject", "immutable", "distance")[:limit]
    )


def _lexical_candidates(scoped, query: str, pool: int, vector) -> dict:
    words = _WORD.findall(query.lower())
    if not words:
        return {}
    # OR of the words: a memory matching some of them still ranks, unlike plainto_tsquery.
    tsquery = SearchQuery(" | ".join(words), search_type="raw", config=TEXT_SEARCH_CONFIG)
    ranked = (
        scoped.filter(search_vector=tsquery)
        .defer(*UNUSED_COLUMNS)
        .annotate(
            rank=SearchRank(F("search_vector"), tsquery, cover_density=True),
            distance=CosineDistance("embedding", vector),
        )
        .order_by("-rank")[:pool]
    )
    return {m.pk: m for m in ranked}


def _fuse(dense: dict, lexical: dict, weights: tuple[float, float]) -> list[SearchHit]:
    top_rank = max((m.rank for m in lexical.values()), default=0.0) or 1.0
    hits = []
    for pk in dense.keys() | lexical.keys():
        memory = dense.get(pk) or lexical[pk]
        distance = memory.distance if memory.distance is not None else 1.0  # no embedding
        semantic = min(max(1.0 - distance, 0.0), 1.0)
        lexical_score = lexical[pk].rank / top_rank if pk in lexical else 0.0
        score = weights[0] * semantic + weights[1] * lexical_score
        hits.append(SearchHit(memory=memory, score=score, dense=semantic, lexical=lexical_score))
    hits.sort(key=lambda hit: (-hit.score, -hit.memory.created_at.timestamp()))
    return hits
