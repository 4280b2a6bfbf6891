"""Vectors of any model and dimension: `embedding_model` per memory, one partial HNSW index per
model (memories/services/vector_indexes.py), and the models each project holds.

Existing rows were all embedded by the one model configured before this release: the local
all-MiniLM-L6-v2, or with EMBEDDER=openai "openai:<EMBEDDING_MODEL>". The column is added with
that value as its default, which PostgreSQL records without rewriting the table, and the
default is dropped again (every write names its model). The old index is replaced by the
same index restricted to that model, over the same rows: built once, the table locked for
writes meanwhile (~1 minute per million memories on 2 cores). After it, `manage.py reembed`
moves projects to the configured model while they keep serving.
"""

import pgvector.django.vector
from django.conf import settings
from django.db import migrations, models

from memories.services.vector_indexes import create_index_sql

TABLE = "memories_memory"


def previous_model() -> str:
    # As memories.embeddings named them before this release (the only local model then).
    if settings.EMBEDDER == "openai":
        return f"openai:{settings.EMBEDDING_MODEL}"
    return "all-MiniLM-L6-v2"


def forwards(apps, schema_editor):
    model = previous_model()
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT atttypmod FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'embedding'",
            [TABLE],
        )
        dim = cursor.fetchone()[0]  # vector(N) keeps N as its type modifier
        cursor.execute("DROP INDEX IF EXISTS memory_embedding_hnsw")
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD COLUMN embedding_model varchar(120) NOT NULL DEFAULT %s",
            [model],
        )
        cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN embedding_model DROP DEFAULT")
        cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN embedding TYPE vector")
        cursor.execute(create_index_sql(model, dim if dim > 0 else 384, concurrently=False))
        cursor.execute(
            f"UPDATE accounts_project p SET embedding_models = ARRAY[%s]::varchar[] "
            f"WHERE EXISTS (SELECT 1 FROM {TABLE} m WHERE m.project_id = p.id)",
            [model],
        )


def backwards(apps, schema_editor):
    """Back to one typed column and one index: possible while every vector has the dimension
    of the first (run `reembed` back to that model first, or this fails on the cast)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname LIKE %s",
            [TABLE, "memory\\_embedding\\_%"],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP INDEX {name}")
        cursor.execute(f"ALTER TABLE {TABLE} DROP COLUMN embedding_model")
        cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN embedding TYPE vector(384)")
        cursor.execute(
            f"CREATE INDEX memory_embedding_hnsw ON {TABLE} USING hnsw "
            "(embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_project_embedding_models"),
        ("memories", "0008_cjk_search"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.RemoveIndex(model_name="memory", name="memory_embedding_hnsw"),
                migrations.AddField(
                    model_name="memory",
                    name="embedding_model",
                    field=models.CharField(blank=True, default="", max_length=120),
                ),
                migrations.AlterField(
                    model_name="memory",
                    name="embedding",
                    field=pgvector.django.vector.VectorField(null=True),
                ),
            ],
        ),
    ]
