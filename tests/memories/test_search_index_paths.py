"""The two index paths of search agree, and filtered HNSW scans never come up short.

A scope pinned to one entity is scanned exactly through its btree index; a wide scope walks
the HNSW index with pgvector's iterative scans. Both must rank the same memories first, and a
selective filter on the HNSW path must still fill top_k when enough rows match.
"""

from __future__ import annotations

from django.db.models import Q

from memories.models import Memory
from memories.selectors.search import memory_search

TOPICS = ["gardening", "sailing", "chess", "baking", "cycling", "astronomy", "pottery", "jazz"]


def seed(add, users: int = 6, per_user: int = 40) -> None:
    for u in range(users):
        add(
            *[
                f"Note {n} of user {u}: enjoys {TOPICS[(n + u) % len(TOPICS)]} on weekends"
                for n in range(per_user)
            ],
            user_id=f"u{u}",
        )


def ids(hits) -> list:
    return [hit.memory.pk for hit in hits]


def test_exact_and_hnsw_paths_rank_the_same_memories_first(alice, add):
    seed(add)
    where = Q(user_id="u3")
    for query in ["who likes sailing?", "astronomy at night", "baking bread", "jazz records"]:
        exact = memory_search(project=alice.project, query=query, where=where, top_k=5)
        hnsw = memory_search(project=alice.project, query=query, where=where, top_k=5, exact=False)
        assert len(exact) == 5
        assert ids(hnsw) == ids(exact), query
        assert [round(h.score, 6) for h in hnsw] == [round(h.score, 6) for h in exact]


def test_filtered_hnsw_fills_top_k_when_enough_rows_match(alice, add):
    seed(add, users=8, per_user=50)  # 400 memories
    # 12 memories scattered over the project carry a rare tag: the filter keeps 3 % of rows.
    tagged = list(Memory.objects.order_by("?").values_list("pk", flat=True)[:12])
    Memory.objects.filter(pk__in=tagged).update(metadata={"tag": "rare"})
    where = Q(metadata__contains={"tag": "rare"})

    for top_k in (5, 10, 12):
        hits = memory_search(
            project=alice.project,
            query="quantum physics lecture",
            where=where,
            top_k=top_k,
            exact=False,
        )
        assert len(hits) == top_k
        assert set(ids(hits)) <= set(tagged)
    hits = memory_search(
        project=alice.project, query="weekends", where=where, top_k=20, exact=False
    )
    assert sorted(ids(hits)) == sorted(tagged)  # all 12, never padded with others


def test_every_option_behaves_on_the_hnsw_path(alice, add):
    seed(add, users=3, per_user=20)
    add("Orla keeps bees on the roof", user_id="orla")
    wide = {"user_id": "*"}

    def search(**body):
        body = {"query": "bees on the roof", "filters": wide, "threshold": 0, **body}
        response = alice.client().post("/v3/memories/search/", body, format="json")
        assert response.status_code == 200, response.content
        return response.json()["results"]

    assert search()[0]["memory"] == "Orla keeps bees on the roof"
    assert set(search(fields=["memory"])[0]) >= {"id", "memory"}
    assert "metadata" not in search(fields=["memory"])[0]
    assert all(r["score"] >= 0.5 for r in search(threshold=0.5))
    assert len(search(top_k=3)) == 3
    Memory.objects.filter(text__startswith="Orla").update(expiration_date="2001-01-01")
    assert "Orla keeps bees on the roof" not in [r["memory"] for r in search()]
    assert search(show_expired=True)[0]["memory"] == "Orla keeps bees on the roof"
    Memory.objects.filter(text__startswith="Orla").update(
        expiration_date=None, replaced_by=Memory.objects.exclude(text__startswith="Orla").first()
    )
    assert "Orla keeps bees on the roof" not in [r["memory"] for r in search(latest_only=True)]
    assert search(rerank=True)[0]["memory"] == "Orla keeps bees on the roof"


def test_a_starved_hnsw_scan_falls_back_to_the_exact_scan(alice, add):
    from django.db import connection

    seed(add, users=8, per_user=50)
    where = Q(text__startswith="Note 7 of")  # 8 rows, one per user; no index serves it
    with connection.cursor() as cursor:
        # pgvector's iterative scan gives up after this many index tuples (20,000 by default,
        # which a thin filter over a million rows can exhaust): make it give up at once, and
        # keep the planner on the HNSW index for these 400 rows (no seq scan, no sort).
        cursor.execute("SET hnsw.max_scan_tuples = 1")
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_sort = off")
    try:
        hits = memory_search(
            project=alice.project, query="quantum physics", where=where, top_k=5, exact=False
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET hnsw.max_scan_tuples")
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_sort")

    assert len(hits) == 5
    assert all(hit.memory.text.startswith("Note 7 of") for hit in hits)
