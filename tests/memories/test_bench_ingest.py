"""`bench ingest`'s indexing-cost measurement writes real, searchable memories."""

import random

from memories.bench.ingest import measure_index_write


def test_the_index_write_measure_stores_each_memory_with_its_vector(alice):
    figures = measure_index_write(alice.project, 3, 2, random.Random(1), "test")

    stored = list(alice.project.memories.order_by("created_at"))
    assert len(stored) == 3
    assert all(m.embedding is not None and "(index test" in m.text for m in stored)
    assert {m.user_id for m in stored} == {"user-0", "user-1"}
    assert 0 < figures["p50"] <= figures["p95"]
