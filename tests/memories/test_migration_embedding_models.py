"""Upgrading an instance whose memories hold all-MiniLM-L6-v2 vectors (migration 0009): every
row and project is labelled with the model that made its vectors, the old index becomes that
model's partial index, and search keeps finding them until `reembed` moves them on."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Q

from accounts.models import Project
from memories import embeddings
from memories.models import Memory
from memories.selectors.search import memory_search
from memories.selectors.search_dense import search_models
from memories.services.reembed import project_reembed
from memories.services.vector_indexes import index_name, vector_indexes
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("memories", "0008_cjk_search"), ("accounts", "0004_lowercase_emails")]
TEXTS = ["Alice keeps bees on the roof", "Alice is allergic to peanuts", "我喜欢吃北京烤鸭"]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture
def upgraded():
    """A project and memories written before 0009 (MiniLM vectors), then the upgrade."""
    project = ProjectFactory()
    empty = ProjectFactory()
    vectors = embeddings.embed_texts(TEXTS, model="all-MiniLM-L6-v2")
    migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            for text, vector in zip(TEXTS, vectors, strict=True):
                cursor.execute(
                    "INSERT INTO memories_memory (id, project_id, text, hash, embedding, "
                    "context, user_id, categories, immutable, subject, state, created_at, "
                    "updated_at, access_count) VALUES (gen_random_uuid(), %s, %s, md5(%s), "
                    "%s::vector, '', 'alice', '{}', false, '', 'active', now(), now(), 0)",
                    [project.pk, text, text, str(vector)],
                )
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    return Project.objects.get(pk=project.pk), Project.objects.get(pk=empty.pk)


def test_existing_rows_and_projects_are_labelled_with_the_old_model(upgraded):
    project, empty = upgraded

    assert set(Memory.objects.values_list("embedding_model", flat=True)) == {"all-MiniLM-L6-v2"}
    assert project.embedding_models == ["all-MiniLM-L6-v2"]
    assert empty.embedding_models == []  # nothing to search with an old model
    indexes = vector_indexes()
    assert "memory_embedding_hnsw" not in indexes
    assert "vector(384)" in indexes[index_name("all-MiniLM-L6-v2")]
    assert "all-MiniLM-L6-v2" in indexes[index_name("all-MiniLM-L6-v2")]


def test_the_old_vectors_are_searched_until_reembed_moves_them(upgraded):
    project, _ = upgraded
    current = embeddings.current_model()

    assert search_models(project) == [current, "all-MiniLM-L6-v2"]
    for exact in (True, False):
        [best, *_] = memory_search(
            project=project, query="honey bees", where=Q(user_id="alice"), exact=exact
        )
        assert best.memory.text == TEXTS[0] and best.dense > 0.3

    project_reembed(project=project)

    project.refresh_from_db()
    assert project.embedding_models == [current]
    assert set(Memory.objects.values_list("embedding_model", flat=True)) == {current}
    [best, *_] = memory_search(project=project, query="烤鸭", where=Q(user_id="alice"))
    assert best.memory.text == TEXTS[2]
