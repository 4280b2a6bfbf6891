"""One HNSW index per embedding model, over that model's rows only.

The `embedding` column holds vectors of any dimension and `embedding_model` says which model
made each one, so a project can change models while it keeps serving (manage.py reembed):
its rows move from one model to the other batch by batch, and search embeds the query once per
model the project still has (selectors/search.py). pgvector indexes vectors of one dimension,
so each model gets a partial expression index, as pgvector's README shows for mixed
dimensions:

    CREATE INDEX … USING hnsw ((embedding::vector(384)) vector_cosine_ops)
    WHERE embedding_model = 'multilingual-e5-small'

A query uses it when it orders by the same expression and filters on the same model
(`selectors/search.py: nearest_of`). Indexes are created CONCURRENTLY (writes go on) when a
model first writes or before a re-embedding starts, and dropped when no row uses their model.
"""

from __future__ import annotations

import hashlib
import logging
import re

from django.db import connection

logger = logging.getLogger(__name__)

TABLE = "memories_memory"  # not through the model: migrations use this module
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
INDEX_PREFIX = "memory_embedding_"
# Model keys come from configuration; anything else is refused before it reaches DDL.
MODEL_KEY = re.compile(r"^[\w.:/@+-]{1,120}$")


def index_name(model: str) -> str:
    """A stable name per model (PostgreSQL names are 63 bytes at most, model keys longer)."""
    slug = re.sub(r"[^a-z0-9]+", "_", model.lower()).strip("_")[:24]
    return f"{INDEX_PREFIX}{slug}_{hashlib.sha1(model.encode()).hexdigest()[:8]}"


def create_index_sql(model: str, dim: int, *, concurrently: bool) -> str:
    if not MODEL_KEY.match(model) or "'" in model:
        raise ValueError(f"not a usable embedding model key: {model!r}")
    return (
        f"CREATE INDEX {'CONCURRENTLY ' if concurrently else ''}IF NOT EXISTS "
        f"{index_name(model)} ON {TABLE} USING hnsw "
        f"((embedding::vector({int(dim)})) vector_cosine_ops) "
        f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION}) "
        f"WHERE embedding_model = '{model}'"
    )


def ensure_vector_index(model: str, dim: int) -> bool:
    """Create `model`'s index unless a valid one exists (an interrupted CONCURRENTLY build
    leaves an invalid one behind: it is dropped and built again). True if it was built."""
    name = index_name(model)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s",
            [name],
        )
        row = cursor.fetchone()
        if row is not None and row[0]:
            return False
        # CONCURRENTLY cannot run inside a transaction (tests run in one): build it plainly there,
        # after the deferred foreign-key checks it would otherwise refuse to run behind.
        concurrently = not connection.in_atomic_block
        if not concurrently:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if row is not None:
            cursor.execute(f"DROP INDEX {'CONCURRENTLY ' if concurrently else ''}{name}")
        logger.info("building the vector index %s for %s (%d-d)", name, model, dim)
        cursor.execute(create_index_sql(model, dim, concurrently=concurrently))
    return True


def vector_indexes() -> dict[str, str]:
    """{index name: its definition} of every per-model vector index."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname LIKE %s",
            [TABLE, INDEX_PREFIX.replace("_", r"\_") + "%"],
        )
        return dict(cursor.fetchall())


def drop_unused_vector_indexes(models_in_use: set[str]) -> list[str]:
    """Drop the indexes of models that no row uses any more; their names."""
    keep = {index_name(model) for model in models_in_use}
    dropped = []
    concurrently = "" if connection.in_atomic_block else "CONCURRENTLY "
    with connection.cursor() as cursor:
        if not concurrently:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as in ensure_vector_index
        for name in vector_indexes():
            if name not in keep:
                cursor.execute(f"DROP INDEX {concurrently}{name}")
                dropped.append(name)
    return dropped
