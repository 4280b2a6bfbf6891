"""`GET /v1/memories/{id}/history/` and the cap on what a memory's history keeps."""

from __future__ import annotations

import datetime

from memories.models import HistoryEvent, Memory, MemoryHistory
from memories.services.memories import Actor, history_write


def history_url(memory_id, query: str = "") -> str:
    return f"/v1/memories/{memory_id}/history/" + (f"?{query}" if query else "")


def seed_history(memory_id, count: int) -> None:
    """`count` UPDATE rows just after the ADD (1 µs apart), new_memory "v0", "v1", …"""
    memory = Memory.objects.get(pk=memory_id)
    start = memory.history.get().created_at
    MemoryHistory.objects.bulk_create(
        MemoryHistory(
            project_id=memory.project_id,
            memory=memory,
            event=HistoryEvent.UPDATE,
            new_memory=f"v{n}",
            created_at=start + datetime.timedelta(microseconds=n + 1),
        )
        for n in range(count)
    )


def test_it_keeps_the_first_add_and_the_newest_entries_of_a_memory(alice, add, settings):
    settings.MEMORY_HISTORY_MAX_ENTRIES = 4
    [memory_id] = add("我喜欢印度菜")
    client = alice.client()

    for n in range(6):
        url = f"/v1/memories/{memory_id}/"
        assert client.put(url, {"text": f"我喜欢印度菜 {n}"}, format="json").status_code == 200

    history = client.get(history_url(memory_id)).json()
    assert [(h["event"], h["new_memory"]) for h in history] == [
        ("ADD", "我喜欢印度菜"),
        ("UPDATE", "我喜欢印度菜 3"),
        ("UPDATE", "我喜欢印度菜 4"),
        ("UPDATE", "我喜欢印度菜 5"),
    ]
    assert MemoryHistory.objects.filter(memory_id=memory_id).count() == 4


def test_it_prunes_with_a_fixed_number_of_queries(alice, add, settings, django_assert_num_queries):
    settings.MEMORY_HISTORY_MAX_ENTRIES = 3
    [memory_id] = add("likes tea")
    seed_history(memory_id, 50)
    memory = Memory.objects.get(pk=memory_id)

    with django_assert_num_queries(2):  # the INSERT and one DELETE … NOT IN (indexed subqueries)
        history_write(memory, event=HistoryEvent.UPDATE, old="x", actor=Actor())

    kept = MemoryHistory.objects.filter(memory_id=memory_id).order_by("created_at")
    assert [h.new_memory for h in kept] == ["likes tea", "v49", "likes tea"]
