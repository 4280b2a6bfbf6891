"""Bookkeeping queued with after_response runs when the response closes, never before."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from config.after_response import after_response


@pytest.fixture(autouse=True)
def _no_connection_recycling():
    """The request signals also recycle database connections; these tests only want ours."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_outside_a_request_the_work_runs_at_once():
    done = []

    after_response(lambda: done.append("now"))

    assert done == ["now"]


def test_during_a_request_the_work_waits_for_the_response_to_close():
    done = []
    request_started.send(sender=None)

    after_response(lambda: done.append("first"))
    after_response(lambda: done.append("second"))
    queued = list(done)
    request_finished.send(sender=None)

    assert queued == []
    assert done == ["first", "second"]


def test_a_failing_step_does_not_skip_the_others(caplog):
    done = []
    request_started.send(sender=None)

    after_response(lambda: 1 / 0)
    after_response(lambda: done.append("ran"))
    request_finished.send(sender=None)

    assert done == ["ran"]
    assert "after-response work" in caplog.text


def test_the_queue_is_not_carried_into_the_next_request():
    done = []
    request_started.send(sender=None)
    after_response(lambda: done.append("once"))
    request_finished.send(sender=None)

    request_finished.send(sender=None)  # a second close must not replay the work

    assert done == ["once"]


def test_an_api_call_still_logs_and_counts_after_its_response(alice):
    from accounts.models import RequestLog
    from accounts.request_log import request_log_flush

    response = alice.client().get("/v1/ping/")  # the test client closes the response, as WSGI does
    request_log_flush()

    assert response.status_code == 200
    assert RequestLog.objects.filter(path="/v1/ping/", api_key=alice.api_key).count() == 1
