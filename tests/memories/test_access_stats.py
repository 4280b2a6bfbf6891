from memories.models import Memory
from memories.services.access import memory_access_flush, memory_access_record


def test_it_counts_hits_in_redis_and_writes_them_in_one_flush(alice, add):
    first, second = add("one", "two")

    memory_access_record([first, second])
    memory_access_record([first])
    before = Memory.objects.get(pk=first).access_count
    touched = memory_access_flush()

    counts = dict(Memory.objects.values_list("text", "access_count"))
    assert (before, touched) == (0, 2)
    assert counts == {"one": 2, "two": 1}
    assert Memory.objects.get(pk=first).last_accessed_at is not None
    assert memory_access_flush() == 0


def test_search_records_access(alice, add):
    add("Alice's dog is called Biscuit.")

    alice.client().post(
        "/v3/memories/search/", {"query": "Biscuit", "filters": {"user_id": "alice"}}, format="json"
    )
    memory_access_flush()

    assert Memory.objects.get().access_count == 1
