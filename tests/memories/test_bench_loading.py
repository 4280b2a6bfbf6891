"""The benchmark loader writes rows the product can read (a schema change must not break it)."""

from django.db.models import Q

from memories.bench.loading import load_memories, warm_cache
from memories.models import Entity, Memory
from memories.selectors.search import memory_search


def test_it_loads_searchable_memories_for_each_user(transactional_db, alice):
    # transactional: the loader rebuilds the HNSW index, which needs committed rows
    loaded = load_memories(
        project=alice.project, total=40, users=4, pool_size=10, progress=lambda message: None
    )

    assert Memory.objects.filter(project=alice.project).count() == 40
    assert Entity.objects.filter(project=alice.project, type="user").count() == 4
    assert Memory.objects.filter(project=alice.project, user_id="user-1").count() == 10
    assert loaded["hnsw_size_mb"] > 0
    assert warm_cache(lambda message: None) is True
    first = Memory.objects.filter(project=alice.project).order_by("created_at").first()
    hits = memory_search(project=alice.project, query=first.text, where=Q(), top_k=3)
    # The bulk reuses the pool's embeddings with the text varied: all copies rank first.
    assert [hit.memory.text.startswith(first.text) for hit in hits] == [True] * 3
