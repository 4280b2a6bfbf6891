"""`GET /v1/memories/{id}/history/`: a bare list in pages, and the cap on what a memory keeps."""

from __future__ import annotations

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from memories.models import HistoryEvent, Memory, MemoryHistory
from memories.services.memories import Actor, history_write


def history_url(memory_id, query: str = "") -> str:
    return f"/v1/memories/{memory_id}/history/" + (f"?{query}" if query else "")


def links(response) -> dict[str, dict[str, list[str]]]:
    """rel -> the query of its URL, from the RFC 8288 `Link` header."""
    found = re.findall(r'<([^>]+)>; rel="(\w+)"', response["Link"])
    return {rel: parse_qs(urlsplit(url).query) for url, rel in found}


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


def test_it_answers_the_first_page_as_a_list_with_paging_headers(alice, add):
    [memory_id] = add("likes tea")
    seed_history(memory_id, 4)

    response = alice.client().get(history_url(memory_id, "page_size=2"))

    assert [h["event"] for h in response.json()] == ["ADD", "UPDATE"]
    assert response["X-Total-Count"] == "5"
    assert links(response) == {
        "next": {"page": ["2"], "page_size": ["2"]},
        "first": {"page": ["1"], "page_size": ["2"]},
        "last": {"page": ["3"], "page_size": ["2"]},
    }


def test_it_walks_the_pages_oldest_first_without_overlap(alice, add):
    [memory_id] = add("likes tea")
    seed_history(memory_id, 4)
    client = alice.client()

    pages = [client.get(history_url(memory_id, f"page={n}&page_size=2")) for n in (1, 2, 3)]

    seen = [h["new_memory"] for page in pages for h in page.json()]
    assert seen == ["likes tea", "v0", "v1", "v2", "v3"]
    assert set(links(pages[2])) == {"prev", "first", "last"}


def test_it_answers_a_plain_call_with_at_most_the_default_page(alice, add, settings):
    settings.MEMORY_HISTORY_MAX_ENTRIES = 1000
    [memory_id] = add("likes tea")
    seed_history(memory_id, 120)

    response = alice.client().get(history_url(memory_id))

    assert len(response.json()) == 100 and response.json()[0]["event"] == "ADD"
    assert response["X-Total-Count"] == "121"
    assert links(response)["next"] == {"page": ["2"], "page_size": ["100"]}


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("page=0", "page: must be at least 1"),
        ("page=x", "page: expected an integer, got 'x'"),
        ("page_size=201", "page_size: must be between 1 and 200"),
        ("page_size=0", "page_size: must be between 1 and 200"),
    ],
)
def test_it_refuses_bad_paging_values(alice, add, query, detail):
    [memory_id] = add("likes tea")

    response = alice.client().get(history_url(memory_id, query))

    assert (response.status_code, response.json()["detail"]) == (400, detail)


def test_it_answers_404_past_the_last_page(alice, add):
    [memory_id] = add("likes tea")

    response = alice.client().get(history_url(memory_id, "page=2"))

    assert response.status_code == 404 and "past the last page" in response.json()["detail"]


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


def test_it_keeps_a_cut_conversation_that_says_what_it_left_out(alice, settings):
    settings.MEMORY_HISTORY_INPUT_MAX_CHARS = 10
    messages = [
        {"role": "user", "content": "我喜欢印度菜"},
        {"role": "user", "content": "但对奶酪过敏不能吃披萨"},
        {"role": "assistant", "content": "我会记住您的饮食偏好"},
    ]
    body = {"messages": messages, "user_id": "alice", "infer": False}
    answer = alice.client().post("/v3/memories/add/", body, format="json").json()
    memory_id = answer["results"][0]["id"]

    (entry,) = alice.client().get(history_url(memory_id)).json()
    assert [m["content"] for m in entry["input"]] == [
        "我喜欢印度菜",
        "但对奶酪 … [7 characters not kept]",
        "[1 more messages not kept]",
    ]
