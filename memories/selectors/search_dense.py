"""The dense half of search: query vectors per embedding model, and the nearest memories.

A project's memories may hold vectors of more than one model while it changes models
(`Project.embedding_models`, manage.py reembed). A vector is only comparable with vectors of its
own model, so search embeds the query once per model the project holds and compares each
memory with the query vector of its own model. In the usual case that is one model, the
configured one, and one query embedding.

Each model's vectors are searched through that model's partial HNSW index
(services/vector_indexes.py), which the planner uses because the query orders by the same
expression, `embedding::vector(dim) <=> query`, and filters on the same model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db.models import F, FloatField, Value
from django.db.models.expressions import ExpressionWrapper
from django.db.models.functions import Cast
from pgvector.django import CosineDistance, VectorField

from accounts.models import Project
from memories import embeddings
from memories.selectors.memories import memories_of
from memories.selectors.search_lexical import vector_literal

logger = logging.getLogger(__name__)

# Large columns a result never shows: parsing 384 floats per row costs more than the query.
UNUSED_COLUMNS = ("embedding", "search_vector", "context", "source")
_warned: set[tuple] = set()  # (project, model) pairs already logged as not embeddable here


@dataclass(frozen=True)
class QueryVector:
    model: str
    dim: int
    values: list[float]


def search_models(project: Project) -> list[str]:
    """The models to search `project` with: the configured one first, then any older model its
    memories may still hold that this process can embed with (else those memories are found by
    their words alone until they are re-embedded)."""
    current = embeddings.current_model()
    models = [current]
    for model in project.embedding_models:
        if model in models:
            continue
        if embeddings.can_embed(model):
            models.append(model)
        elif (project.pk, model) not in _warned:
            _warned.add((project.pk, model))
            logger.warning(
                "project %s has memories embedded by %r, which cannot embed here: they are "
                "found by their words only until `manage.py reembed` moves them to %r",
                project.pk,
                model,
                current,
            )
    return models


def query_vectors(project: Project, query: str) -> list[QueryVector]:
    return [
        QueryVector(model, embeddings.model_dim(model), embeddings.embed_query(query, model=model))
        for model in search_models(project)
    ]


def nearest_of(scoped, vector: QueryVector, pool: int, *, exact: bool):
    """The `pool` memories of `scoped` with `vector`'s model nearest to it, with `.distance`;
    `exact` scans the scope's rows instead of walking the HNSW index (exact_distance_order)."""
    column = Cast("embedding", VectorField(dimensions=vector.dim))
    return (
        scoped.filter(embedding_model=vector.model)
        .exclude(embedding=None)
        .defer(*UNUSED_COLUMNS)
        .annotate(distance=CosineDistance(column, vector.values))
        .order_by(exact_distance_order() if exact else "distance")
    )[:pool]


def exact_distance_order() -> ExpressionWrapper:
    """Order by the annotated `distance` with an exact scan: "+ 0" hides the operator from the
    planner, so it filters through the btree and sorts, instead of walking the HNSW index for
    the whole project (which a selective filter can starve)."""
    return ExpressionWrapper(F("distance") + Value(0.0), output_field=FloatField())


def distance_sql(vectors: list[QueryVector], alias: str) -> tuple[str, list]:
    """SQL for the distance between `alias`'s embedding and the query vector of its model (NULL
    for a memory of another model, or none), and its parameters."""
    cases, params = [], []
    for vector in vectors:
        cases.append(
            f"WHEN %s THEN ({alias}.embedding::vector({vector.dim})) <=> %s::vector({vector.dim})"
        )
        params += [vector.model, vector_literal(vector.values)]
    return f"CASE {alias}.embedding_model {' '.join(cases)} END", params


def memory_nearest(*, project: Project, scope: dict, vector: list, limit: int) -> list[tuple]:
    """(id, text, subject, immutable, distance) of the scope's nearest memories to a memory
    text's `vector` of the configured model, exactly (memories of an older model are not
    compared until they are re-embedded)."""
    model = embeddings.current_model()
    pinned = {name: value for name, value in scope.items() if value}
    scoped = memories_of(project=project).filter(**pinned)
    nearest = nearest_of(scoped, QueryVector(model, len(vector), vector), limit, exact=True)
    return list(nearest.values_list("id", "text", "subject", "immutable", "distance"))
