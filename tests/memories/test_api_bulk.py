import uuid

import pytest

from memories.models import Entity, Event, Feedback, Memory

ROOT = "/v1/memories/"


def test_delete_all_needs_a_filter(alice, add):
    add("x")

    response = alice.client().delete(ROOT)

    assert response.status_code == 400
    assert response.json()["detail"].startswith("At least one filter is required")
    assert Memory.objects.count() == 1


def test_delete_all_removes_every_match_beyond_a_page(alice, add):
    add(*[f"fact {i}" for i in range(250)])
    add("keep me", user_id="bob")

    response = alice.client().delete(f"{ROOT}?user_id=alice")

    assert response.json()["message"] == "Memories deleted successfully!"
    assert list(Memory.objects.values_list("text", flat=True)) == ["keep me"]
    assert not Entity.objects.filter(name="alice").exists()


def test_delete_all_understands_wildcards_and_python_repr_filters(alice, add):
    add("a1", user_id="a", agent_id="x")
    add("b1", user_id="b")
    add("c1", agent_id="only-agent")

    alice.client().delete(ROOT + "?filters={'user_id': 'a'}")
    after_repr = set(Memory.objects.values_list("text", flat=True))
    alice.client().delete(f"{ROOT}?user_id=*")

    assert after_repr == {"b1", "c1"}
    assert list(Memory.objects.values_list("text", flat=True)) == ["c1"]


def test_delete_all_with_all_four_wildcards_wipes_the_project(alice, charlie, add):
    add("a1", user_id="a")
    add("x1", agent_id="x", run_id="r")
    add("c1", user_id="c", client=charlie.client())

    alice.client().delete(f"{ROOT}?user_id=*&agent_id=*&app_id=*&run_id=*")

    assert list(Memory.objects.values_list("text", flat=True)) == ["c1"]


def test_batch_update_and_delete(alice, add):
    ids = add("one", "two")
    items = [{"memory_id": ids[0], "text": "uno"}, {"memory_id": ids[1], "metadata": {"n": 2}}]

    updated = alice.client().put("/v1/batch/", {"memories": items}, format="json")
    texts = dict(Memory.objects.values_list("id", "text"))
    deleted = alice.client().delete(
        "/v1/batch/", {"memories": [{"memory_id": i} for i in ids]}, format="json"
    )

    assert updated.json() == {"message": "Successfully updated 2 memories"}
    assert texts[uuid.UUID(ids[0])] == "uno"
    assert deleted.json() == {"message": "Successfully deleted 2 memories"}
    assert Memory.objects.count() == 0


def test_a_batch_with_an_unknown_id_changes_nothing(alice, add):
    ids = add("one")
    items = [
        {"memory_id": ids[0], "text": "changed"},
        {"memory_id": str(uuid.uuid4()), "text": "x"},
    ]

    response = alice.client().put("/v1/batch/", {"memories": items}, format="json")

    assert response.status_code == 404
    assert Memory.objects.get().text == "one"


@pytest.mark.parametrize(
    "body, detail",
    [
        (
            {"memories": [{"memory_id": str(uuid.uuid4())}] * 1001},
            "Maximum of 1000 memories can be",
        ),
        ({"memories": []}, "memories: a non-empty list"),
        ({"memories": [{"text": "x"}]}, "memories[0]: memory_id is required"),
        ({"memories": [{"memory_id": "nope"}]}, "memory_id should be a valid UUID"),
    ],
)
def test_batches_answer_400_to_bad_input(alice, body, detail):
    for method in ("put", "delete"):
        response = getattr(alice.client(), method)("/v1/batch/", body, format="json")
        assert response.status_code == 400
        assert detail in response.json()["detail"]


def test_feedback_is_set_then_cleared(alice, add):
    [memory_id] = add("x")
    client = alice.client()

    first = client.post(
        "/v1/feedback/",
        {"memory_id": memory_id, "feedback": "negative", "feedback_reason": "wrong"},
        format="json",
    ).json()
    client.post(
        "/v1/feedback/",
        {"memory_id": memory_id, "feedback": None, "feedback_reason": None},
        format="json",
    )

    assert (first["feedback"], first["feedback_reason"]) == ("NEGATIVE", "wrong")
    assert Feedback.objects.get().feedback is None


@pytest.mark.parametrize(
    "body, status, detail",
    [
        ({"memory_id": "x", "feedback": "POSITIVE"}, 400, "Invalid memory_id"),
        ({"memory_id": str(uuid.uuid4()), "feedback": "POSITIVE"}, 404, "Memory not found!"),
        ({"feedback": "POSITIVE"}, 400, "memory_id: required"),
    ],
)
def test_feedback_errors(alice, body, status, detail):
    response = alice.client().post("/v1/feedback/", body, format="json")

    assert (response.status_code, response.json()["detail"]) == (status, detail)


def test_feedback_value_is_checked(alice, add):
    [memory_id] = add("x")

    response = alice.client().post(
        "/v1/feedback/", {"memory_id": memory_id, "feedback": "MEH"}, format="json"
    )

    assert response.status_code == 400


def test_events_are_polled_and_listed(alice):
    event_id = (
        alice.client()
        .post("/v3/memories/add/", {"messages": "hi", "user_id": "a"}, format="json")
        .json()["event_id"]
    )

    one = alice.client().get(f"/v1/event/{event_id}/").json()
    listing = alice.client().get("/v1/events/").json()

    assert (one["id"], one["status"], one["event_type"]) == (event_id, "PENDING", "ADD")
    assert listing["count"] == 1 and listing["results"][0]["id"] == event_id
    assert alice.client().get(f"/v1/event/{uuid.uuid4()}/").status_code == 404
    assert alice.client().get("/v1/event/nope/").status_code == 400
    assert Event.objects.count() == 1
