from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import RequestLog
from dashboard.selectors.overview import overview_get
from memories.models import Entity, Event, EventStatus, Memory, MemoryState
from tests.dashboard.conftest import overview_url

SVG = "{http://www.w3.org/2000/svg}"


def svgs(html: str) -> dict[str, ET.Element]:
    """Each inline <svg> of the page, parsed as XML (so it must be well-formed), by its id."""
    charts = {}
    rest = html
    while "<svg" in rest:
        start = rest.index("<svg")
        end = rest.index("</svg>", start) + len("</svg>")
        element = ET.fromstring(rest[start:end])
        title = element.find(f"{SVG}title")
        charts[title.get("id").removesuffix("-title")] = element
        rest = rest[end:]
    return charts


def bars(chart: ET.Element, css: str = "bar") -> list[ET.Element]:
    return [r for r in chart.iter(f"{SVG}rect") if css in r.get("class", "").split()]


def seed(tenant):
    now = timezone.now()
    for days_ago, count in [(0, 2), (3, 1), (10, 4)]:
        for n in range(count):
            Memory.objects.create(
                project=tenant.project,
                text=f"fact {days_ago}-{n}",
                hash=f"{days_ago}-{n}",
                created_at=now - timedelta(days=days_ago),
            )
    # Archived and too-old memories are not in the totals / not in the chart.
    Memory.objects.create(
        project=tenant.project,
        text="old",
        hash="old",
        state=MemoryState.ARCHIVED,
        created_at=now - timedelta(days=1),
    )
    Memory.objects.create(
        project=tenant.project, text="ancient", hash="anc", created_at=now - timedelta(days=45)
    )
    Entity.objects.create(project=tenant.project, type="user", name="u1")
    Entity.objects.create(project=tenant.project, type="agent", name="a1")
    for days_ago, latencies in [(0, [10.0, 20.0, 90.0]), (2, [5.0, 7.0])]:
        for latency in latencies:
            RequestLog.objects.create(
                project=tenant.project,
                method="GET",
                path="/v1/memories/",
                status=200,
                latency_ms=latency,
                created_at=now - timedelta(days=days_ago),
            )
    for days_ago, status in [(0, "SUCCEEDED"), (0, "FAILED"), (1, "SUCCEEDED"), (5, "PENDING")]:
        event = Event.objects.create(project=tenant.project, status=status)
        Event.objects.filter(pk=event.pk).update(created_at=now - timedelta(days=days_ago))


# --- access --------------------------------------------------------------------------------


def test_owner_gets_the_full_page(alice_client, alice):
    response = alice_client.get(overview_url(alice))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<header class="topbar">' in html and '<main id="main"' in html
    assert 'id="charts"' in html and 'hx-trigger="every 30s"' in html
    assert "HX-Request" in response["Vary"]


def test_htmx_gets_only_the_charts_fragment(alice_client, alice, htmx):
    response = alice_client.get(overview_url(alice), **htmx)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="charts"')
    assert "<html" not in html and "topbar" not in html
    assert "HX-Request" in response["Vary"]


def test_reader_sees_but_cannot_post(bob_client, bob):
    assert bob_client.get(overview_url(bob)).status_code == 200
    response = bob_client.post(overview_url(bob))
    assert response.status_code == 403
    assert "do that here" in response.content.decode()


def test_owner_post_is_not_allowed(alice_client, alice):
    assert alice_client.post(overview_url(alice)).status_code == 405


def test_outsider_gets_404(charlie_client, alice):
    assert charlie_client.get(overview_url(alice)).status_code == 404
    assert charlie_client.post(overview_url(alice)).status_code == 404


def test_project_under_another_organization_id_is_404(alice_client, alice, charlie):
    url = reverse(
        "dashboard:overview",
        kwargs={"org_id": charlie.organization.public_id, "project_id": alice.project.public_id},
    )
    assert alice_client.get(url).status_code == 404


def test_anonymous_is_sent_to_login(client, alice):
    url = overview_url(alice)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={url}"


def test_layout_links_the_users_projects_only(alice_client, alice, charlie):
    html = alice_client.get(overview_url(alice)).content.decode()
    assert f'href="{overview_url(alice)}" aria-current="page"' in html
    assert charlie.project.public_id not in html
    assert 'action="/logout/" method="post"' in html
    assert 'href="/password/"' in html
    assert 'href="#main"' in html  # skip link


# --- numbers and charts ----------------------------------------------------------------------


def test_overview_counts_and_series(alice):
    seed(alice)
    data = overview_get(project=alice.project)
    assert (data.memories, data.entities, data.api_calls) == (8, 2, 5)
    assert data.events_by_status == {"PENDING": 1, "RUNNING": 0, "SUCCEEDED": 2, "FAILED": 1}
    assert len(data.days) == 30 and data.days[-1] == timezone.localdate()
    assert data.memories_per_day[-1] == 2 and data.memories_per_day[-4] == 1
    assert data.memories_per_day[-11] == 4 and sum(data.memories_per_day) == 8  # archived counts
    assert data.calls_per_day[-1] == 3 and data.calls_per_day[-3] == 2
    assert data.median_latency_per_day[-1] == 20.0 and data.median_latency_per_day[-3] == 6.0
    assert data.median_latency_per_day[-2] is None
    assert data.events_per_day["SUCCEEDED"][-1] == 1 and data.events_per_day["FAILED"][-1] == 1
    assert data.events_per_day["PENDING"][-6] == 1


def test_overview_selector_runs_five_queries(alice, django_assert_num_queries):
    seed(alice)
    with django_assert_num_queries(5):
        overview_get(project=alice.project)


def test_overview_page_query_count_is_pinned(alice_client, alice, django_assert_num_queries):
    seed(alice)
    # session + user, membership + project, the switcher's projects, five for the overview
    with django_assert_num_queries(9):
        response = alice_client.get(overview_url(alice))
    assert response.status_code == 200
    # The fragment skips the layout, so the switcher's query too.
    with django_assert_num_queries(8):
        alice_client.get(overview_url(alice), HTTP_HX_REQUEST="true")


def test_charts_render_valid_svg_with_a_bar_per_day(alice_client, alice):
    seed(alice)
    html = alice_client.get(overview_url(alice), HTTP_HX_REQUEST="true").content.decode()
    charts = svgs(html)
    assert set(charts) == {"chart-memories", "chart-calls", "chart-events"}
    assert len(bars(charts["chart-memories"])) == 4  # today, 1 day (archived), 3 and 10 days ago
    assert len(bars(charts["chart-calls"])) == 2
    assert len(charts["chart-calls"].findall(f"{SVG}polyline")) == 1  # median latency
    assert len(bars(charts["chart-events"])) == 4  # today: succeeded + failed; 1 and 5 days ago
    assert len(bars(charts["chart-events"], "bar-failed")) == 1
    assert charts["chart-memories"].get("role") == "img"
    assert "8 memories over 30 days" in charts["chart-memories"].find(f"{SVG}desc").text


def test_empty_project_renders_empty_charts(alice_client, alice):
    html = alice_client.get(overview_url(alice)).content.decode()
    charts = svgs(html)
    assert all(not bars(chart) for chart in charts.values())
    assert "<dd>0</dd>" in html


@pytest.mark.parametrize("status", [s.value for s in EventStatus])
def test_each_event_status_has_a_counter(alice_client, alice, status):
    html = alice_client.get(overview_url(alice)).content.decode()
    assert f"Events {status.lower()}" in html
