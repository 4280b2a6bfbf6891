from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from memories.models import Event, EventStatus
from memories.services.events import EventNotRetryable, event_retry
from tests.conftest import wait_until


def args(tenant) -> list:
    return [tenant.organization.public_id, tenant.project.public_id]


def list_url(tenant, query: str = "") -> str:
    return reverse("dashboard:event-list", args=args(tenant)) + (f"?{query}" if query else "")


def detail_url(tenant, event) -> str:
    return reverse("dashboard:event-detail", args=[*args(tenant), event.pk])


def retry_url(tenant, event) -> str:
    return reverse("dashboard:event-retry", args=[*args(tenant), event.pk])


def failed_add(tenant, text: str = "I love jazz.", **fields) -> Event:
    now = timezone.now()
    return Event.objects.create(
        project=tenant.project,
        event_type="ADD",
        status=EventStatus.FAILED,
        payload={"messages": [{"role": "user", "content": text}], "user_id": "alice"},
        error="LLM said no",
        attempts=3,
        started_at=now,
        completed_at=now + timedelta(seconds=4),
        results=[],
        **fields,
    )


def seed(tenant, count: int, **fields) -> list[Event]:
    return [
        Event.objects.create(project=tenant.project, event_type="EXPORT", **fields)
        for _ in range(count)
    ]


# --- access ---------------------------------------------------------------------------------


def test_it_renders_the_page_for_the_owner(alice_client, alice):
    event = failed_add(alice)
    response = alice_client.get(list_url(alice))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<header class="topbar">' in html and 'id="event-rows"' in html
    assert f'id="event-{event.pk}"' in html and "badge-failed" in html
    assert retry_url(alice, event) in html
    assert "HX-Request" in response["Vary"]


def test_it_gives_htmx_only_the_rows(alice_client, alice, htmx):
    failed_add(alice)
    response = alice_client.get(list_url(alice), **htmx)
    html = response.content.decode()
    assert html.lstrip().startswith("<tr") and "badge-failed" in html
    assert "<html" not in html and "topbar" not in html and "<table" not in html
    assert "HX-Request" in response["Vary"]


def test_it_lets_the_reader_see_but_not_retry(bob_client, bob):
    event = failed_add(bob)
    response = bob_client.get(list_url(bob))
    assert response.status_code == 200
    assert f'id="event-{event.pk}"' in response.content.decode()
    assert "Retry" not in response.content.decode()
    assert "Retry" not in bob_client.get(detail_url(bob, event)).content.decode()
    assert bob_client.post(retry_url(bob, event)).status_code == 403
    event.refresh_from_db()
    assert event.status == EventStatus.FAILED


def test_it_hides_the_project_and_its_events_from_outsiders(charlie_client, alice, charlie):
    event = failed_add(alice)
    assert charlie_client.get(list_url(alice)).status_code == 404
    assert charlie_client.get(detail_url(alice, event)).status_code == 404
    assert charlie_client.post(retry_url(alice, event)).status_code == 404
    # Charlie's own project does not reach alice's event either.
    assert charlie_client.get(detail_url(charlie, event)).status_code == 404
    assert charlie_client.post(retry_url(charlie, event)).status_code == 404
    assert Event.objects.get(pk=event.pk).status == EventStatus.FAILED


def test_it_sends_anonymous_visitors_to_login(client, alice):
    response = client.get(list_url(alice))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


# --- list: filters, pages, polling, queries --------------------------------------------------


def test_it_filters_by_status_and_kind(alice_client, alice, htmx):
    failed = failed_add(alice)
    (export,) = seed(alice, 1, status=EventStatus.SUCCEEDED)
    html = alice_client.get(list_url(alice, "status=FAILED"), **htmx).content.decode()
    assert f"event-{failed.pk}" in html and f"event-{export.pk}" not in html
    html = alice_client.get(list_url(alice, "kind=EXPORT"), **htmx).content.decode()
    assert f"event-{export.pk}" in html and f"event-{failed.pk}" not in html
    html = alice_client.get(list_url(alice, "status=bogus&kind=bogus"), **htmx).content.decode()
    assert f"event-{export.pk}" in html and f"event-{failed.pk}" in html


def test_it_shows_newest_first_and_scrolls_for_more(alice_client, alice, htmx):
    events = seed(alice, 51)
    html = alice_client.get(list_url(alice), **htmx).content.decode()
    assert html.count('<tr id="event-') == 50
    assert html.index(str(events[-1].pk)) < html.index(str(events[-2].pk))
    assert f"event-{events[0].pk}" not in html
    assert 'hx-trigger="revealed"' in html and "offset=50" in html
    html = alice_client.get(list_url(alice, "offset=50"), **htmx).content.decode()
    assert html.count('<tr id="event-') == 1 and f"event-{events[0].pk}" in html
    assert 'hx-trigger="revealed"' not in html


def entity(kind: str, name: str) -> str:
    return f'<span class="entity-type">{kind}</span> {name}'


def entities_cell(html: str, event: Event) -> str:
    row = html.split(f'id="event-{event.pk}"')[1].split("</tr>")[0]
    return re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)[3]


def test_each_row_says_whom_the_event_is_about(alice_client, alice, htmx):
    add = failed_add(alice)
    agent = Event.objects.create(
        project=alice.project, payload={"messages": [], "agent_id": "bot", "run_id": "r1"}
    )
    profile = Event.objects.create(
        project=alice.project,
        event_type="PROFILE",
        payload={"entity_type": "user", "entity_id": "ann", "job_id": "j"},
    )
    (export,) = seed(alice, 1, payload={"filters": {"AND": [{"user_id": "ben"}, {"app_id": "a"}]}})
    (everything,) = seed(alice, 1, payload={"filters": {}})
    html = alice_client.get(list_url(alice), **htmx).content.decode()
    assert entities_cell(html, add) == entity("user", "alice")
    assert entities_cell(html, agent) == f"{entity('agent', 'bot')}, {entity('run', 'r1')}"
    assert entities_cell(html, profile) == entity("user", "ann")
    assert entities_cell(html, export) == f"{entity('user', 'ben')}, {entity('app', 'a')}"
    assert entities_cell(html, everything) == "\N{EN DASH}"


def test_active_rows_poll_their_own_status_and_finished_rows_do_not(alice_client, alice, htmx):
    (running,) = seed(alice, 1, status=EventStatus.RUNNING)
    done = failed_add(alice)
    html = alice_client.get(list_url(alice), **htmx).content.decode()
    assert f'?event={running.pk}" hx-trigger="every 3s"' in html
    assert f'?event={done.pk}"' not in html
    Event.objects.filter(pk=running.pk).update(status=EventStatus.SUCCEEDED)
    html = alice_client.get(list_url(alice, f"event={running.pk}"), **htmx).content.decode()
    assert html.count("<tr") == 1 and "badge-succeeded" in html and "every 3s" not in html


def test_the_list_costs_the_same_queries_for_one_or_many_events(
    alice_client, alice, htmx, django_assert_num_queries
):
    seed(alice, 1, usage={"prompt_tokens": 3, "completion_tokens": 4})
    # session, user, membership + project, events
    with django_assert_num_queries(4):
        alice_client.get(list_url(alice), **htmx)
    seed(alice, 30, status=EventStatus.FAILED)
    with django_assert_num_queries(4):
        html = alice_client.get(list_url(alice), **htmx).content.decode()
    assert html.count('<tr id="event-') == 31 and "3 + 4" in html


# --- detail --------------------------------------------------------------------------------


def test_the_detail_shows_input_results_error_usage_and_timings(alice_client, alice):
    event = failed_add(alice, text="x" * 900, usage={"prompt_tokens": 12, "completion_tokens": 5})
    event.results = [{"id": "m1", "memory": "Loves jazz", "event": "ADD"}]
    event.save()
    html = alice_client.get(detail_url(alice, event)).content.decode()
    assert "LLM said no" in html and "Loves jazz" in html and '<span class="tag">ADD</span>' in html
    assert "x" * 499 + "…" in html and "x" * 600 not in html  # the message is truncated
    assert "12 prompt + 5 completion" in html
    assert "4.00 s" in html  # ran: started -> completed
    assert "user_id" in html  # the rest of the request


def test_the_detail_of_another_kind_shows_its_results_as_json(alice_client, alice, htmx):
    (export,) = seed(alice, 1, status=EventStatus.SUCCEEDED, results={"name": "Ada"})
    response = alice_client.get(detail_url(alice, export), **htmx)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="event-detail"') and "<html" not in html
    assert "&quot;name&quot;: &quot;Ada&quot;" in html and "every 3s" not in html
    assert "HX-Request" in response["Vary"]


def test_an_unknown_event_is_404(alice_client, alice):
    url = reverse(
        "dashboard:event-detail", args=[*args(alice), "0" * 8 + "-0000-0000-0000-" + "0" * 12]
    )
    assert alice_client.get(url).status_code == 404


# --- retry ---------------------------------------------------------------------------------


def test_retry_resets_the_event_and_enqueues_its_task_on_commit(
    alice, django_capture_on_commit_callbacks
):
    event = failed_add(alice)
    with (
        mock.patch("memories.tasks.memory_extract_task.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert event_retry(event=event) is True
        assert event_retry(event=event) is False  # the double click
    delay.assert_called_once_with(str(event.pk))
    assert (event.status, event.error, event.attempts) == (EventStatus.PENDING, "", 0)
    assert event.started_at is None and event.completed_at is None and event.results is None


def test_retry_enqueues_the_export_task_for_an_export(alice, django_capture_on_commit_callbacks):
    (export,) = seed(alice, 1, status=EventStatus.FAILED)
    with (
        mock.patch("memories.jobs.tasks.export_run_task.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert event_retry(event=export)
    delay.assert_called_once_with(str(export.pk))


def test_retry_refuses_kinds_that_have_no_worker(alice):
    event = Event.objects.create(project=alice.project, event_type="SUMMARY", status="FAILED")
    with pytest.raises(EventNotRetryable):
        event_retry(event=event)
    assert Event.objects.get(pk=event.pk).status == EventStatus.FAILED


def test_the_retry_button_queues_once_and_returns_the_row(
    alice_client, alice, htmx, django_capture_on_commit_callbacks
):
    event = failed_add(alice)
    headers = {**htmx, "HTTP_HX_TARGET": f"event-{event.pk}"}
    with (
        mock.patch("memories.tasks.memory_extract_task.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = alice_client.post(retry_url(alice, event), **headers)
        again = alice_client.post(retry_url(alice, event), **headers)
    html = first.content.decode()
    assert html.lstrip().startswith(f'<tr id="event-{event.pk}"') and "badge-pending" in html
    assert "every 3s" in html and "Retry" not in html and entity("user", "alice") in html
    assert again.status_code == 200 and delay.call_count == 1
    assert Event.objects.get(pk=event.pk).status == EventStatus.PENDING


def test_retry_without_htmx_goes_back_to_the_detail_page(alice_client, alice):
    event = failed_add(alice)
    with mock.patch("memories.tasks.memory_extract_task.delay"):
        response = alice_client.post(retry_url(alice, event), follow=True)
    assert response.redirect_chain[-1][0] == detail_url(alice, event)
    assert "Queued again." in response.content.decode()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_failed_add_retried_from_the_dashboard_is_run_again_by_the_worker(
    alice_client, alice, celery_worker_process
):
    event = failed_add(alice, text="I am vegetarian and I love jazz.")
    response = alice_client.post(retry_url(alice, event), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "badge-pending" in response.content.decode()

    def finished():
        current = Event.objects.get(pk=event.pk)
        return current if current.status in {EventStatus.SUCCEEDED, EventStatus.FAILED} else None

    done = wait_until(finished, seconds=60, what="the retried event to finish")
    assert done.status == EventStatus.SUCCEEDED, done.error
    assert done.attempts == 1 and done.error == "" and done.results
    assert {result["event"] for result in done.results} == {"ADD"}


def test_the_detail_lists_what_an_add_did_not_store_and_why(alice_client, alice, settings):
    from memories.services.extraction import extraction_run

    settings.LLM_MODEL = ""  # the offline extractor, which says why
    body = {"messages": "你好！我对什么过敏？", "user_id": "alice"}  # noqa: RUF001
    event_id = alice.client().post("/v3/memories/add/", body, format="json").json()["event_id"]
    event = extraction_run(event_id=event_id)

    html = alice_client.get(detail_url(alice, event)).content.decode()

    assert "Nothing was stored: 2 parts were skipped." in html and 'id="event-skipped"' in html
    assert "我对什么过敏" in html and "question" in html and "greeting" in html


def succeeded_add(tenant, messages: list, skipped: list) -> Event:
    return Event.objects.create(
        project=tenant.project,
        status=EventStatus.SUCCEEDED,
        payload={"messages": messages, "user_id": "alice"},
        results=[],
        skipped=skipped,
    )


def test_the_detail_says_why_an_add_stored_nothing(alice_client, alice):
    skip = {"message": 0, "excerpt": "Hi!", "reason": "greeting"}
    html = alice_client.get(detail_url(alice, succeeded_add(alice, [], [skip]))).content.decode()
    assert "Nothing was stored: 1 part was skipped." in html and "No results" not in html
    said = [{"role": "user", "content": "The weather is nice."}]
    html = alice_client.get(detail_url(alice, succeeded_add(alice, said, []))).content.decode()
    assert "Nothing was stored: no facts to remember were found in these messages." in html
    html = alice_client.get(detail_url(alice, succeeded_add(alice, [], []))).content.decode()
    assert "Nothing was stored: the request had no message to read." in html
