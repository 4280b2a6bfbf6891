from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from accounts.models import RequestLog
from accounts.request_log import request_log_enqueue, request_log_flush


def list_url(tenant, query: str = "") -> str:
    args = [tenant.organization.public_id, tenant.project.public_id]
    return reverse("dashboard:request-list", args=args) + (f"?{query}" if query else "")


def log(tenant, count: int = 1, *, key=None, start=None, **fields) -> list[RequestLog]:
    start = start or timezone.now()
    values = {"method": "GET", "path": "/v1/memories/", "status": 200, "latency_ms": 12.5}
    values.update(fields)
    return RequestLog.objects.bulk_create(
        RequestLog(
            project=tenant.project,
            api_key=tenant.api_key if key is None else (key or None),
            created_at=start - timedelta(seconds=n),
            **values,
        )
        for n in range(count)
    )


def rows(html: str) -> int:
    return html.count("<tr") - html.count('colspan="6"')


# --- access ---------------------------------------------------------------------------------


def test_it_renders_the_page_for_the_owner(alice_client, alice):
    log(alice, path="/v1/memories/search/")
    response = alice_client.get(list_url(alice))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<header class="topbar">' in html and 'id="request-rows"' in html
    assert "/v1/memories/search/" in html and f"eg_{alice.api_key.prefix}_…" in html
    assert "Calls appear within a few seconds." in html
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert "HX-Request" in response["Vary"]


def test_it_gives_htmx_only_the_rows(alice_client, alice, htmx):
    log(alice)
    response = alice_client.get(list_url(alice), **htmx)
    html = response.content.decode()
    assert html.lstrip().startswith("<tr") and "/v1/memories/" in html
    assert "<html" not in html and "topbar" not in html and "<table" not in html
    assert "HX-Request" in response["Vary"]


def test_the_reader_sees_the_log(bob_client, bob):
    log(bob, path="/v1/entities/")
    response = bob_client.get(list_url(bob))
    assert response.status_code == 200 and "/v1/entities/" in response.content.decode()
    assert bob_client.post(list_url(bob)).status_code == 403


def test_it_hides_the_project_from_outsiders(charlie_client, alice, charlie):
    log(alice, path="/v1/secret-of-alice/")
    assert charlie_client.get(list_url(alice)).status_code == 404
    assert "secret-of-alice" not in charlie_client.get(list_url(charlie)).content.decode()


def test_it_sends_anonymous_visitors_to_login(client, alice):
    response = client.get(list_url(alice))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


# --- filters, pages, queries ------------------------------------------------------------------


def test_it_filters_by_status_class(alice_client, alice, htmx):
    log(alice, path="/ok/", status=201)
    log(alice, path="/missing/", status=404)
    log(alice, path="/broken/", status=503)
    html = alice_client.get(list_url(alice, "status=4xx"), **htmx).content.decode()
    assert "/missing/" in html and "/ok/" not in html and "/broken/" not in html
    html = alice_client.get(list_url(alice, "status=5xx"), **htmx).content.decode()
    assert "/broken/" in html and rows(html) == 1
    html = alice_client.get(list_url(alice, "status=2xx"), **htmx).content.decode()
    assert "/ok/" in html and rows(html) == 1


def test_it_filters_by_method_path_and_key(alice_client, alice, bob, htmx):
    log(alice, path="/v1/memories/", method="POST")
    log(alice, path="/v2/memories/search/", method="POST", key=bob.api_key)
    log(alice, path="/v1/entities/", method="DELETE")
    html = alice_client.get(list_url(alice, "method=delete"), **htmx).content.decode()
    assert "/v1/entities/" in html and rows(html) == 1
    html = alice_client.get(list_url(alice, "path=MEMORIES"), **htmx).content.decode()
    assert rows(html) == 2 and "/v1/entities/" not in html
    html = alice_client.get(list_url(alice, f"key={bob.api_key.prefix}"), **htmx).content.decode()
    assert "/v2/memories/search/" in html and rows(html) == 1


def test_the_key_filter_lists_the_project_keys(alice_client, alice, bob, charlie):
    html = alice_client.get(list_url(alice)).content.decode()
    assert f'value="{alice.api_key.prefix}"' in html and f'value="{bob.api_key.prefix}"' in html
    assert charlie.api_key.prefix not in html


def test_it_pages_with_a_keyset_cursor(alice_client, alice, htmx):
    entries = log(alice, 51)  # entries[0] is the newest
    html = alice_client.get(list_url(alice), **htmx).content.decode()
    assert rows(html) == 50 and 'hx-trigger="revealed"' in html and "before=" in html
    next_url = html.split('hx-get="')[1].split('"')[0].replace("&amp;", "&")
    # A call flushed meanwhile does not shift the next page.
    log(alice, path="/v1/late/")
    more = alice_client.get(next_url, **htmx).content.decode()
    assert rows(more) == 1 and "/v1/late/" not in more
    assert entries[-1].created_at.strftime("%H:%M:%S") in more
    assert 'hx-trigger="revealed"' not in more


def test_a_malformed_cursor_is_ignored(alice_client, alice, htmx):
    log(alice, 2)
    html = alice_client.get(list_url(alice, "before=nonsense_x"), **htmx).content.decode()
    assert rows(html) == 2


def test_calls_show_once_flushed_from_the_buffer(alice_client, alice, htmx):
    request_log_enqueue(
        project_id=alice.project.pk,
        api_key_id=alice.api_key.pk,
        method="GET",
        path="/v1/buffered/",
        status=200,
        latency_ms=3.2,
    )
    assert "/v1/buffered/" not in alice_client.get(list_url(alice), **htmx).content.decode()
    request_log_flush()
    assert "/v1/buffered/" in alice_client.get(list_url(alice), **htmx).content.decode()


def test_the_list_costs_the_same_queries_for_one_or_many_calls(
    alice_client, alice, bob, htmx, django_assert_num_queries
):
    log(alice)
    # session, user, membership + project, rows with their keys
    with django_assert_num_queries(4):
        alice_client.get(list_url(alice), **htmx)
    log(alice, 20, key=bob.api_key)
    log(alice, 5, key=False)  # no key (a dashboard or unauthenticated call)
    with django_assert_num_queries(4):
        html = alice_client.get(list_url(alice), **htmx).content.decode()
    assert rows(html) == 26 and f"eg_{bob.api_key.prefix}_…" in html
