from __future__ import annotations

import pytest
from django.urls import reverse

from dashboard.selectors.entities import entities_page
from memories.models import Entity, Memory, MemoryState


def list_url(tenant, **query) -> str:
    args = [tenant.organization.public_id, tenant.project.public_id]
    url = reverse("dashboard:entity-list", args=args)
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def delete_url(tenant, entity_type: str, name: str) -> str:
    args = [tenant.organization.public_id, tenant.project.public_id, entity_type, name]
    return reverse("dashboard:entity-delete", args=args)


def seed(tenant, users: int = 1, memories: int = 1):
    for n in range(users):
        name = f"user-{n:03}"
        Entity.objects.create(project=tenant.project, type="user", name=name)
        for m in range(memories):
            Memory.objects.create(
                project=tenant.project, text=f"{name} fact {m}", hash=f"{n}-{m}", user_id=name
            )


# --- access ---------------------------------------------------------------------------------


def test_it_renders_the_page_for_the_owner(alice_client, alice):
    seed(alice)
    response = alice_client.get(list_url(alice))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<header class="topbar">' in html and 'id="entity-rows"' in html
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert f'href="{list_url(alice)}" aria-current="page">Entities</a>' in html
    assert "user-000" in html
    assert "HX-Request" in response["Vary"]


def test_it_gives_htmx_only_the_rows(alice_client, alice, htmx):
    seed(alice)
    response = alice_client.get(list_url(alice), **htmx)
    html = response.content.decode()
    assert html.lstrip().startswith("<tr") and "user-000" in html
    assert "<html" not in html and "topbar" not in html and "<table" not in html
    assert "HX-Request" in response["Vary"]


def test_it_lets_the_reader_see_but_not_delete(bob_client, bob):
    seed(bob)
    response = bob_client.get(list_url(bob))
    assert response.status_code == 200
    assert "user-000" in response.content.decode()
    assert "Delete" not in response.content.decode()
    assert bob_client.post(delete_url(bob, "user", "user-000")).status_code == 403
    assert bob_client.post(list_url(bob)).status_code == 403
    assert Entity.objects.filter(name="user-000").exists()


def test_it_hides_the_project_from_outsiders(charlie_client, alice):
    seed(alice)
    assert charlie_client.get(list_url(alice)).status_code == 404
    assert charlie_client.post(delete_url(alice, "user", "user-000")).status_code == 404


def test_it_sends_anonymous_visitors_to_login(client, alice):
    response = client.get(list_url(alice))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


# --- search, filter, sort, pages -------------------------------------------------------------


def test_it_narrows_rows_by_active_search(alice_client, alice, htmx):
    seed(alice, users=3)
    html = alice_client.get(list_url(alice, q="R-001"), **htmx).content.decode()
    assert "user-001" in html and "user-000" not in html and "user-002" not in html


def test_it_filters_by_type(alice_client, alice, htmx):
    seed(alice)
    Entity.objects.create(project=alice.project, type="agent", name="helper")
    html = alice_client.get(list_url(alice, type="agent"), **htmx).content.decode()
    assert "helper" in html and "user-000" not in html


def test_it_says_when_nothing_matches(alice_client, alice):
    html = alice_client.get(list_url(alice, q="nobody")).content.decode()
    assert "No entities match." in html


def test_it_counts_active_memories_per_entity(alice):
    seed(alice, users=2, memories=3)
    Memory.objects.create(
        project=alice.project, text="gone", hash="x", user_id="user-000", state=MemoryState.ARCHIVED
    )
    Entity.objects.create(project=alice.project, type="agent", name="user-000")
    rows = entities_page(project=alice.project, sort="-memories")
    assert [(e.type, e.name, e.memories) for e in rows] == [
        ("user", "user-000", 3),
        ("user", "user-001", 3),
        ("agent", "user-000", 0),
    ]


def test_it_sorts_by_name_both_ways(alice):
    seed(alice, users=3)
    assert [e.name for e in entities_page(project=alice.project, sort="-name")] == [
        "user-002",
        "user-001",
        "user-000",
    ]


def test_it_scrolls_to_the_next_page(alice_client, alice, htmx):
    seed(alice, users=51, memories=0)
    html = alice_client.get(list_url(alice)).content.decode()
    assert "user-049" in html and "user-050" not in html
    assert f'hx-get="{list_url(alice)}?offset=50" hx-trigger="revealed"' in html
    assert 'hx-swap="afterend"' in html and ">More</a>" in html
    rows = alice_client.get(list_url(alice, offset=50), **htmx).content.decode()
    assert "user-050" in rows and "user-049" not in rows and "revealed" not in rows


@pytest.mark.parametrize("users", [5, 50])
def test_it_costs_a_fixed_number_of_queries(alice_client, alice, users, django_assert_num_queries):
    seed(alice, users=users, memories=2)
    # session + user, membership + project, the switcher's projects, one for the page
    with django_assert_num_queries(5):
        response = alice_client.get(list_url(alice))
    assert response.content.decode().count("<tr") == users + 1  # + the header row


# --- delete ---------------------------------------------------------------------------------


def test_it_deletes_an_entity_and_its_memories(alice_client, alice, htmx):
    seed(alice, users=2, memories=2)
    response = alice_client.post(delete_url(alice, "user", "user-000"), **htmx)
    assert response.status_code == 200 and response.content == b""
    assert not Entity.objects.filter(name="user-000").exists()
    assert not Memory.objects.filter(user_id="user-000").exists()
    assert Memory.objects.filter(user_id="user-001").count() == 2


def test_it_redirects_after_delete_without_htmx(alice_client, alice):
    seed(alice)
    response = alice_client.post(delete_url(alice, "user", "user-000"))
    assert response.status_code == 302 and response["Location"] == list_url(alice)


def test_it_asks_for_confirmation(alice_client, alice):
    seed(alice)
    html = alice_client.get(list_url(alice)).content.decode()
    assert 'hx-confirm="Delete user “user-000” and its 1 memories?' in html
    assert f'action="{delete_url(alice, "user", "user-000")}" method="post"' in html


def test_it_404s_deleting_an_unknown_entity(alice_client, alice):
    assert alice_client.post(delete_url(alice, "user", "nobody")).status_code == 404
    assert alice_client.post(delete_url(alice, "planet", "x")).status_code == 404


def test_it_escapes_entity_names(alice_client, alice):
    Entity.objects.create(project=alice.project, type="user", name="<b>x</b>")
    html = alice_client.get(list_url(alice)).content.decode()
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_it_links_entities_whose_names_hold_slashes(alice_client, alice):
    Entity.objects.create(project=alice.project, type="run", name="team/alice")
    html = alice_client.get(list_url(alice)).content.decode()
    detail = list_url(alice) + "run/team/alice/"
    assert f'href="{detail}"' in html
    assert alice_client.get(detail).status_code == 200


def test_an_entity_whose_name_looks_like_an_action_is_reachable(alice_client, alice):
    Entity.objects.create(project=alice.project, type="user", name="x/delete")
    Memory.objects.create(project=alice.project, text="slashy fact", hash="s", user_id="x/delete")
    args = [alice.organization.public_id, alice.project.public_id, "user", "x/delete"]

    response = alice_client.get(reverse("dashboard:entity-detail", args=args))

    assert response.status_code == 200 and "slashy fact" in response.content.decode()
    assert alice_client.post(delete_url(alice, "user", "x/delete")).status_code == 302
    assert not Entity.objects.filter(name="x/delete").exists()
