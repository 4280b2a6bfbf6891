"""config/db/base.py: the per-request health check is skipped on connections used a moment ago."""

import time

import psycopg
import pytest
from django.db import OperationalError, connection


@pytest.fixture
def health_checks(monkeypatch):
    """Persistent connections with health checks, as in production (the test settings close
    connections after each request), and a count of the SELECT 1 checks, which bypass Django's
    execute wrappers."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    connection.close()  # both settings apply from the next connection on
    checks = []
    is_usable = connection.is_usable

    def counted():
        checks.append(time.monotonic())
        return is_usable()

    monkeypatch.setattr(connection, "is_usable", counted)
    yield checks
    connection.close()


def next_request_query() -> int:
    connection.close_if_unusable_or_obsolete()  # what Django runs between two requests
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone()[0]


def idle(seconds: float = 2.0) -> None:
    connection._handed_out_at = time.monotonic() - seconds


def backend_killed() -> None:
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
def test_a_busy_connection_is_not_checked_but_an_idle_one_is(health_checks):
    next_request_query()
    health_checks.clear()

    next_request_query()
    next_request_query()
    assert health_checks == []

    idle()
    next_request_query()
    assert len(health_checks) == 1


@pytest.mark.django_db(transaction=True)
def test_an_idle_connection_whose_server_went_away_is_replaced_before_the_query(health_checks):
    next_request_query()
    idle()
    backend_killed()

    assert next_request_query() == 1
    assert len(health_checks) == 1


@pytest.mark.django_db(transaction=True)
def test_a_busy_connection_whose_server_went_away_fails_one_request_then_recovers(health_checks):
    next_request_query()
    backend_killed()

    with pytest.raises(OperationalError):
        next_request_query()
    assert next_request_query() == 1  # closed at the end of the failed request, then reopened


@pytest.mark.django_db(transaction=True)
def test_an_api_call_on_a_lost_connection_answers_503_then_the_next_one_works(
    health_checks, alice, caplog
):
    client = alice.client()
    search = {"query": "tea", "filters": {"user_id": "u1"}}
    assert client.post("/v3/memories/search/", search, format="json").status_code == 200
    backend_killed()

    connection.close_if_unusable_or_obsolete()
    lost = client.post("/v3/memories/search/", search, format="json")
    connection.close_if_unusable_or_obsolete()
    again = client.post("/v3/memories/search/", search, format="json")

    assert lost.status_code == 503
    assert lost.json()["detail"].startswith("The database did not complete the request")
    assert "database error, answered 503" in caplog.text
    assert again.status_code == 200
