from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from memories.models import Entity, HistoryEvent, Memory, MemoryHistory
from memories.services.add import NewMemories, memories_add_verbatim
from memories.services.memories import Actor

SCOPE = {"user_id": "jo", "agent_id": None, "app_id": None, "run_id": None}


def detail_url(tenant, name: str = "jo", entity_type: str = "user", **query) -> str:
    args = [tenant.organization.public_id, tenant.project.public_id, entity_type, name]
    url = reverse("dashboard:entity-detail", args=args)
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def add_url(tenant, name: str = "jo") -> str:
    args = [tenant.organization.public_id, tenant.project.public_id, "user", name]
    return reverse("dashboard:memory-add", args=args)


def memory_url(tenant, memory, action: str) -> str:
    args = [tenant.organization.public_id, tenant.project.public_id, "user", "jo", memory.id]
    return reverse(f"dashboard:memory-{action}", args=args)


def add(tenant, *texts: str, actor: Actor | None = None) -> list[Memory]:
    memories_add_verbatim(
        project=tenant.project,
        new=NewMemories(texts=list(texts), scope=SCOPE),
        actor=actor or Actor(api_key=tenant.api_key),
    )
    return list(Memory.objects.filter(project=tenant.project, text__in=texts))


def seed(tenant, count: int) -> None:
    Entity.objects.create(project=tenant.project, type="user", name="jo")
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    Memory.objects.bulk_create(
        Memory(
            project=tenant.project,
            text=f"fact {n:03}",
            hash=f"h{n}",
            user_id="jo",
            categories=["food"],
            metadata={"n": n},
            created_at=start + datetime.timedelta(minutes=n),
        )
        for n in range(count)
    )


# --- access ---------------------------------------------------------------------------------


def test_it_renders_the_page_for_the_owner(alice_client, alice):
    add(alice, "likes tea")
    response = alice_client.get(detail_url(alice))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<header class="topbar">' in html and 'id="memory-rows"' in html
    assert "likes tea" in html and 'id="add-memory"' in html
    assert "HX-Request" in response["Vary"]


def test_it_gives_htmx_only_the_memories(alice_client, alice, htmx):
    add(alice, "likes tea")
    response = alice_client.get(detail_url(alice), **htmx)
    html = response.content.decode()
    assert html.lstrip().startswith('<article class="memory card"') and "likes tea" in html
    assert "<html" not in html and "topbar" not in html and "add-memory" not in html
    assert "HX-Request" in response["Vary"]


def test_it_lets_the_reader_see_but_not_write(bob_client, bob):
    (memory,) = add(bob, "likes tea")
    html = bob_client.get(detail_url(bob)).content.decode()
    assert "likes tea" in html and "add-memory" not in html and ">Edit</a>" not in html
    assert bob_client.get(memory_url(bob, memory, "history")).status_code == 200
    assert bob_client.get(memory_url(bob, memory, "edit")).status_code == 403
    for action in ("edit", "delete"):
        assert bob_client.post(memory_url(bob, memory, action), {"text": "x"}).status_code == 403
    assert bob_client.post(add_url(bob), {"text": "x"}).status_code == 403
    assert Memory.objects.get().text == "likes tea"


def test_it_hides_the_project_from_outsiders(charlie_client, alice):
    (memory,) = add(alice, "likes tea")
    assert charlie_client.get(detail_url(alice)).status_code == 404
    assert charlie_client.get(memory_url(alice, memory, "history")).status_code == 404
    assert charlie_client.post(memory_url(alice, memory, "delete")).status_code == 404


def test_it_sends_anonymous_visitors_to_login(client, alice):
    add(alice, "likes tea")
    response = client.get(detail_url(alice))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_404s_unknown_entities_and_memories_of_other_entities(alice_client, alice):
    assert alice_client.get(detail_url(alice, name="nobody")).status_code == 404
    assert alice_client.get(detail_url(alice, entity_type="planet")).status_code == 404
    add(alice, "likes tea")
    other = Memory.objects.create(project=alice.project, text="t", hash="t", user_id="sam")
    assert alice_client.get(memory_url(alice, other, "history")).status_code == 404


# --- list -----------------------------------------------------------------------------------


def test_it_shows_text_categories_metadata_and_dates(alice_client, alice):
    seed(alice, 1)
    Memory.objects.update(expiration_date=datetime.date(2030, 5, 1))
    html = alice_client.get(detail_url(alice)).content.decode()
    assert "fact 000" in html and '<span class="tag">food</span>' in html
    assert "<code>n: 0</code>" in html and "2026-01-01 00:00" in html and "2030-05-01" in html


def test_it_filters_memories_by_text(alice_client, alice, htmx):
    add(alice, "likes tea", "hates coffee")
    html = alice_client.get(detail_url(alice, q="TEA"), **htmx).content.decode()
    assert "likes tea" in html and "hates coffee" not in html


def test_it_lists_newest_first_and_scrolls_to_the_next_page(alice_client, alice, htmx):
    seed(alice, 51)
    html = alice_client.get(detail_url(alice)).content.decode()
    assert html.index("fact 050") < html.index("fact 049") and "fact 000" not in html
    assert f'hx-get="{detail_url(alice)}?offset=50" hx-trigger="revealed"' in html
    assert ">More</a>" in html
    rows = alice_client.get(detail_url(alice, offset=50), **htmx).content.decode()
    assert "fact 000" in rows and "fact 001" not in rows and "revealed" not in rows


@pytest.mark.parametrize("count", [5, 50])
def test_it_costs_a_fixed_number_of_queries(alice_client, alice, count, django_assert_num_queries):
    seed(alice, count)
    # session + user, membership + project, the switcher's projects, entity, memories
    with django_assert_num_queries(6):
        response = alice_client.get(detail_url(alice))
    assert response.content.decode().count("<article") == count


def test_it_escapes_memory_text(alice_client, alice):
    add(alice, "<script>alert(1)</script>")
    html = alice_client.get(detail_url(alice)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- click-to-edit ----------------------------------------------------------------------------


def test_it_serves_the_edit_form_fragment(alice_client, alice, htmx):
    (memory,) = add(alice, "likes tea")
    html = alice_client.get(memory_url(alice, memory, "edit"), **htmx).content.decode()
    assert html.lstrip().startswith('<form class="memory card memory-edit"')
    assert ">likes tea</textarea>" in html and 'hx-swap="outerHTML"' in html


def test_it_saves_an_edit_and_records_who_made_it(alice_client, alice, htmx):
    (memory,) = add(alice, "likes tea")
    response = alice_client.post(memory_url(alice, memory, "edit"), {"text": "loves tea"}, **htmx)
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<article class="memory card"')
    assert "loves tea" in response.content.decode()
    memory.refresh_from_db()
    assert memory.text == "loves tea"
    entry = MemoryHistory.objects.get(memory=memory, event=HistoryEvent.UPDATE)
    assert (entry.old_memory, entry.new_memory, entry.actor_user) == (
        "likes tea",
        "loves tea",
        alice.user,
    )


def test_it_rerenders_the_form_with_errors_as_200(alice_client, alice, htmx):
    (memory,) = add(alice, "likes tea")
    response = alice_client.post(memory_url(alice, memory, "edit"), {"text": ""}, **htmx)
    assert response.status_code == 200
    assert "memory-edit" in response.content.decode() and "errorlist" in response.content.decode()
    memory.refresh_from_db()
    assert memory.text == "likes tea"


def test_it_refuses_to_edit_an_immutable_memory(alice_client, alice, htmx):
    (memory,) = add(alice, "likes tea")
    Memory.objects.update(immutable=True)
    response = alice_client.post(memory_url(alice, memory, "edit"), {"text": "x"}, **htmx)
    assert response.status_code == 200 and "is immutable" in response.content.decode()


def test_it_edits_without_javascript(alice_client, alice):
    (memory,) = add(alice, "likes tea")
    page = alice_client.get(memory_url(alice, memory, "edit")).content.decode()
    assert '<header class="topbar">' in page and ">likes tea</textarea>" in page
    response = alice_client.post(memory_url(alice, memory, "edit"), {"text": "loves tea"})
    assert response.status_code == 302 and response["Location"] == detail_url(alice)


# --- delete, add, history -------------------------------------------------------------------


def test_it_deletes_a_memory(alice_client, alice, htmx):
    kept, doomed = add(alice, "likes tea", "hates coffee")
    response = alice_client.post(memory_url(alice, doomed, "delete"), **htmx)
    assert response.status_code == 200 and response.content == b""
    assert list(Memory.objects.values_list("text", flat=True)) == [kept.text]


def test_it_asks_before_deleting(alice_client, alice):
    add(alice, "likes tea")
    assert 'hx-confirm="Delete this memory' in alice_client.get(detail_url(alice)).content.decode()


def test_it_adds_a_memory_by_hand_in_the_entitys_scope(alice_client, alice, htmx):
    add(alice, "likes tea")
    response = alice_client.post(add_url(alice), {"text": "walks daily"}, **htmx)
    assert response.status_code == 200 and "walks daily" in response.content.decode()
    memory = Memory.objects.get(text="walks daily")
    assert (memory.user_id, memory.agent_id) == ("jo", None)
    assert memory.history.get().actor_user == alice.user


def test_it_rerenders_the_add_form_on_errors(alice_client, alice, htmx):
    add(alice, "likes tea")
    response = alice_client.post(add_url(alice), {"text": ""}, **htmx)
    assert response.status_code == 200 and response["HX-Retarget"] == "#add-memory"
    assert 'id="add-memory"' in response.content.decode()


def test_it_refuses_an_edit_over_the_text_limit_with_a_form_error(
    alice_client, alice, htmx, settings
):
    settings.MEMORY_TEXT_MAX_CHARS = 12
    (memory,) = add(alice, "likes tea")
    at_limit = alice_client.post(
        memory_url(alice, memory, "edit"), {"text": "我喜欢印度菜" * 2}, **htmx
    )
    over = alice_client.post(
        memory_url(alice, memory, "edit"), {"text": "我喜欢印度菜" * 3}, **htmx
    )
    assert at_limit.status_code == 200 and 'class="memory card"' in at_limit.content.decode()
    html = over.content.decode()
    assert over.status_code == 200 and 'class="memory card memory-edit"' in html
    assert "18 characters, over the limit of 12 characters per memory." in html
    memory.refresh_from_db()
    assert memory.text == "我喜欢印度菜" * 2


def test_it_refuses_an_add_over_the_text_limit_with_a_form_error(
    alice_client, alice, htmx, settings
):
    settings.MEMORY_TEXT_MAX_CHARS = 12
    add(alice, "likes tea")
    response = alice_client.post(add_url(alice), {"text": "我喜欢印度菜" * 3}, **htmx)
    html = response.content.decode()
    assert response.status_code == 200 and response["HX-Retarget"] == "#add-memory"
    assert "18 characters, over the limit of 12 characters per memory." in html
    assert not Memory.objects.filter(text__startswith="我").exists()


def test_it_shows_the_history_timeline(alice_client, alice, htmx):
    (memory,) = add(alice, "likes <b>tea</b>")
    alice_client.post(memory_url(alice, memory, "edit"), {"text": "loves tea"}, **htmx)
    response = alice_client.get(memory_url(alice, memory, "history"), **htmx)
    html = response.content.decode()
    assert html.lstrip().startswith('<ol class="timeline"') and "HX-Request" in response["Vary"]
    assert html.index("ADD") < html.index("UPDATE")
    assert f"API key eg_{alice.api_key.prefix}_…" in html and "alice@example.com" in html
    assert "<del>likes &lt;b&gt;tea&lt;/b&gt;</del> → <ins>loves tea</ins>" in html


def test_it_shows_only_the_newest_history_entries(alice_client, alice, htmx):
    (memory,) = add(alice, "likes tea")
    start = memory.history.get().created_at
    MemoryHistory.objects.bulk_create(
        MemoryHistory(
            project=alice.project,
            memory=memory,
            event=HistoryEvent.UPDATE,
            new_memory=f"v{n:03}",
            created_at=start + datetime.timedelta(seconds=n + 1),
        )
        for n in range(60)
    )
    html = alice_client.get(memory_url(alice, memory, "history"), **htmx).content.decode()
    assert html.count("<li>") == 50 and "Older entries are not shown" in html
    assert "v010" in html and "v009" not in html and html.index("v010") < html.index("v059")


def test_it_shows_the_history_without_javascript(alice_client, alice):
    (memory,) = add(alice, "likes tea")
    html = alice_client.get(memory_url(alice, memory, "history")).content.decode()
    assert '<header class="topbar">' in html and '<ol class="timeline"' in html


def test_it_cancels_an_edit_back_to_the_display_fragment(alice_client, alice, htmx):
    (memory,) = add(alice, "likes tea")
    response = alice_client.get(memory_url(alice, memory, "detail"), **htmx)
    assert response.content.decode().lstrip().startswith('<article class="memory card"')
    assert "HX-Request" in response["Vary"]
    assert alice_client.get(memory_url(alice, memory, "detail")).status_code == 302


def test_it_reaches_memories_of_entities_whose_names_hold_slashes(alice_client, alice, htmx):
    memories_add_verbatim(
        project=alice.project,
        new=NewMemories(texts=["likes tea"], scope={**SCOPE, "user_id": "team/jo"}),
        actor=Actor(user=alice.user),
    )
    memory = Memory.objects.get()
    args = [alice.organization.public_id, alice.project.public_id, "user", "team/jo", memory.id]
    response = alice_client.post(reverse("dashboard:memory-delete", args=args), **htmx)
    assert response.status_code == 200 and not Memory.objects.exists()
