"""The pipeline with the built-in offline extractor (no LLM): facts, duplicates, updates."""

from memories.models import Memory, MemoryHistory
from memories.services.extraction import extraction_run


def test_it_extracts_facts_with_categories(extract):
    event = extract("I'm vegetarian and I live in Berlin.")

    assert event.status == "SUCCEEDED"
    assert sorted(r["memory"] for r in event.results) == ["Is vegetarian", "Lives in Berlin"]
    assert Memory.objects.get(text="Is vegetarian").categories == ["food"]


def test_a_repeated_fact_is_noop_and_a_new_value_updates(extract):
    extract("I live in Berlin.")

    again = extract("I live in Berlin.")
    moved = extract("I moved to Paris.")

    assert [r["event"] for r in again.results] == ["NOOP"]
    [update] = moved.results
    assert (update["event"], update["memory"], update["previous_memory"]) == (
        "UPDATE",
        "Lives in Paris",
        "Lives in Berlin",
    )
    assert list(Memory.objects.values_list("text", flat=True)) == ["Lives in Paris"]
    assert MemoryHistory.objects.filter(event="UPDATE", new_memory="Lives in Paris").exists()


def test_forget_leaves_a_memory_it_does_not_name(extract):
    # e5 puts any two short facts above 0.8: the threshold is the model's (embeddings.py).
    extract("I live in Paris.")

    event = extract("Please forget that I love jazz.")

    assert event.results == []
    assert list(Memory.objects.values_list("text", flat=True)) == ["Lives in Paris"]


def test_forget_deletes_the_memory_it_names(extract):
    extract("I love jazz.")

    event = extract("Please forget that I love jazz.")

    assert [r["event"] for r in event.results] == ["DELETE"]
    assert Memory.objects.count() == 0


def test_small_talk_extracts_nothing_and_says_so(extract):
    event = extract("Hi! What's the weather like today?")

    assert (event.status, event.results) == ("SUCCEEDED", [])


def test_a_claimed_event_is_not_run_twice(extract, alice):
    event = extract("I love jazz.")

    assert extraction_run(event_id=event.id) is None
    assert Memory.objects.count() == 1
