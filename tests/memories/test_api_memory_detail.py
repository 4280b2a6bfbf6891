import uuid

from memories.models import Memory, MemoryHistory


def url(memory_id) -> str:
    return f"/v1/memories/{memory_id}/"


def test_it_returns_one_memory_in_the_canonical_shape(alice, add):
    [memory_id] = add("I like tea.", metadata={"k": "v"})

    body = alice.client().get(url(memory_id)).json()

    assert body["id"] == memory_id and body["memory"] == "I like tea."
    assert body["user_id"] == "alice" and body["run_id"] is None and body["session_id"] is None
    assert body["metadata"] == {"k": "v"} and body["categories"] == []
    assert len(body["hash"]) == 32 and body["immutable"] is False
    assert "score" not in body


def test_it_answers_400_to_a_malformed_id_and_404_to_an_unknown_one(alice):
    bad = alice.client().get(url("not-a-uuid"))
    unknown = alice.client().get(url(uuid.uuid4()))

    assert (bad.status_code, bad.json()["detail"]) == (400, "memory_id should be a valid UUID")
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "Memory not found!")


def test_it_updates_text_with_history_and_a_new_embedding(alice, add):
    [memory_id] = add("I like tea.")
    before = Memory.objects.get(pk=memory_id).embedding

    response = alice.client().put(url(memory_id), {"text": "I like coffee."}, format="json")

    memory = Memory.objects.get(pk=memory_id)
    assert response.json()["memory"] == "I like coffee."
    assert response.json()["message"] == "Memory updated successfully!"
    assert list(memory.embedding) != list(before)
    history = alice.client().get(f"{url(memory_id)}history/").json()
    assert [(h["event"], h["old_memory"], h["new_memory"]) for h in history] == [
        ("ADD", None, "I like tea."),
        ("UPDATE", "I like tea.", "I like coffee."),
    ]


def test_it_merges_metadata_and_keeps_it_on_a_text_update(alice, add):
    [memory_id] = add("x", metadata={"a": 1, "b": 2})

    alice.client().put(url(memory_id), {"metadata": {"b": None, "c": 3}}, format="json")
    alice.client().put(url(memory_id), {"text": "y"}, format="json")

    assert Memory.objects.get(pk=memory_id).metadata == {"a": 1, "c": 3}


def test_it_sets_and_clears_expiry_and_back_dates(alice, add):
    [memory_id] = add("x")

    alice.client().put(
        url(memory_id), {"expiration_date": "2031-02-03", "timestamp": 1_600_000_000}, format="json"
    )
    set_expiry = Memory.objects.get(pk=memory_id).expiration_date
    alice.client().put(url(memory_id), {"expiration_date": None}, format="json")

    memory = Memory.objects.get(pk=memory_id)
    assert set_expiry.isoformat() == "2031-02-03"
    assert memory.expiration_date is None
    assert int(memory.created_at.timestamp()) == 1_600_000_000


def test_it_refuses_to_update_an_immutable_memory(alice, add):
    [memory_id] = add("fixed", immutable=True)

    response = alice.client().put(url(memory_id), {"text": "changed"}, format="json")

    assert response.status_code == 400
    assert "immutable" in response.json()["detail"]
    assert Memory.objects.get(pk=memory_id).text == "fixed"


def test_it_answers_400_to_an_empty_update(alice, add):
    [memory_id] = add("x")

    response = alice.client().put(url(memory_id), {}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Nothing to update")


def test_it_deletes_a_memory_and_its_history(alice, add):
    [memory_id] = add("x")

    response = alice.client().delete(url(memory_id))

    assert response.json() == {"message": "Memory deleted successfully!"}
    assert not Memory.objects.filter(pk=memory_id).exists()
    assert not MemoryHistory.objects.filter(memory_id=memory_id).exists()


def test_delete_linked_removes_the_chain_it_superseded(alice, add):
    oldest, older, current = add("v1", "v2", "v3")
    Memory.objects.filter(pk=oldest).update(replaced_by=older)
    Memory.objects.filter(pk=older).update(replaced_by=current)

    response = alice.client().delete(f"{url(current)}?delete_linked=true")

    assert response.json() == {"message": "Memory deleted successfully!", "cascade_count": 2}
    assert Memory.objects.count() == 0


def test_history_of_an_unknown_memory_is_404(alice):
    assert alice.client().get(f"{url(uuid.uuid4())}history/").status_code == 404
