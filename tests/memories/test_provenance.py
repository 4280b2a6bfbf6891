"""Every memory an add writes records where it came from (memories/provenance.py): the event,
the message(s) and the words; the API returns it and the dashboard shows it."""

from __future__ import annotations

from django.urls import reverse

from memories.models import Event, Memory

QUICK_START = [
    {"role": "user", "content": "我喜欢印度菜，但对奶酪过敏不能吃披萨"},  # noqa: RUF001
    {"role": "assistant", "content": "我会记住您的饮食偏好"},
]


def test_a_verbatim_add_records_the_event_and_message_of_each_memory(alice):
    body = {"messages": QUICK_START, "user_id": "alice", "infer": False}
    results = alice.client().post("/v3/memories/add/", body, format="json").json()["results"]
    [event] = Event.objects.filter(project=alice.project)

    sources = {m.text: m.source for m in Memory.objects.all()}
    assert sources[QUICK_START[0]["content"]] == {
        "event_id": str(event.id),
        "messages": [0],
        "excerpt": QUICK_START[0]["content"],
    }
    assert sources[QUICK_START[1]["content"]]["messages"] == [1]
    assert {r["id"] for r in results} == {str(m.id) for m in Memory.objects.all()}


def test_extracted_facts_name_the_user_message_and_sentence_they_came_from(extract):
    event = extract([{"role": "user", "content": "你好。"}, *QUICK_START])

    assert {m.text: m.source for m in Memory.objects.all()} == {
        fact: {"event_id": str(event.id), "messages": [1], "excerpt": QUICK_START[0]["content"]}
        for fact in ("喜欢印度菜", "对奶酪过敏", "不能吃披萨")
    }


def test_an_update_takes_the_source_of_the_message_that_changed_it(extract):
    extract("I live in Berlin.")
    moved = extract(
        [{"role": "user", "content": "Hi!"}, {"role": "user", "content": "I moved to Paris."}]
    )

    memory = Memory.objects.get()
    assert memory.text == "Lives in Paris"
    assert memory.source == {
        "event_id": str(moved.id),
        "messages": [1],
        "excerpt": "I moved to Paris.",
    }


def test_the_api_returns_the_source_and_search_leaves_it_out(alice, extract):
    extract(QUICK_START)
    memory = Memory.objects.get(text="对奶酪过敏")

    detail = alice.client().get(f"/v1/memories/{memory.id}/").json()
    found = alice.client().post(
        "/v3/memories/search/", {"query": "奶酪", "filters": {"user_id": "alice"}}, format="json"
    )

    assert detail["source"]["messages"] == [0] and detail["source"]["excerpt"]
    assert "source" not in found.json()["results"][0]


def test_the_dashboard_shows_from_this_message(alice, extract):
    from django.test import Client

    event = extract(QUICK_START)
    client = Client()
    client.force_login(alice.user)
    args = [alice.organization.public_id, alice.project.public_id, "user", "alice"]

    html = client.get(reverse("dashboard:entity-detail", args=args)).content.decode()

    assert "From this message" in html
    event_url = reverse(
        "dashboard:event-detail",
        args=[alice.organization.public_id, alice.project.public_id, event.id],
    )
    assert event_url in html and "message #1 of" in html


def test_the_dashboard_quotes_the_message_only_when_it_differs_from_the_memory(alice):
    from django.test import Client

    body = {"messages": "I keep bees on the roof", "user_id": "alice", "infer": False}
    alice.client().post("/v3/memories/add/", body, format="json")
    client = Client()
    client.force_login(alice.user)
    args = [alice.organization.public_id, alice.project.public_id, "user", "alice"]

    html = client.get(reverse("dashboard:entity-detail", args=args)).content.decode()

    assert "From this message" in html and "<q>I keep bees on the roof</q>" not in html
