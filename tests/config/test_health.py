import logging

import pytest
from django.core.cache import cache

from config.health import WORKER_SEEN_KEY, worker_seen_now

pytestmark = pytest.mark.django_db


def test_it_reports_every_part_ok_when_a_worker_was_seen(client):
    worker_seen_now()

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "pgvector": "ok",
        "redis": "ok",
        "worker": "ok",
        "embedder": "ok",
        "extractor": "ok",
    }
    assert body["checks"]["extractor"]["extractor"] == "offline"
    assert body["checks"]["pgvector"]["version"].startswith("0.8")
    assert body["checks"]["embedder"]["provider"] == "local"


def test_it_names_projects_that_still_hold_another_embedding_model(client):
    from tests.factories import ProjectFactory

    worker_seen_now()
    ProjectFactory(embedding_models=["all-MiniLM-L6-v2", "multilingual-e5-small"])
    ProjectFactory(embedding_models=["multilingual-e5-small"])

    embedder = client.get("/healthz").json()["checks"]["embedder"]

    assert embedder["status"] == "ok"  # search stays right meanwhile, only slower
    assert embedder["projects_to_reembed"] == 1
    assert "manage.py reembed --all" in embedder["detail"]


def test_it_answers_503_naming_the_worker_when_none_reported(client):
    cache.delete(WORKER_SEEN_KEY)

    response = client.get("/healthz/")

    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["detail"] == "no Celery worker has reported yet"


def test_it_flags_a_stale_worker_heartbeat(client, settings):
    cache.set(WORKER_SEEN_KEY, 0)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert "heartbeat" in response.json()["checks"]["worker"]["detail"]


def test_it_is_ready_when_database_redis_and_migrations_are(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"database", "redis", "migrations"}


def test_it_enabled_pgvector_in_the_first_memories_migration(django_db_blocker):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        assert cursor.fetchone()[0] == "0.8.6"


def test_it_serves_the_home_page_with_the_base_layout(client):
    response = client.get("/")

    assert response.status_code == 200
    assert b"/healthz" in response.content
    assert b"htmx" in response.content


def test_a_worker_still_starting_is_logged_as_information_not_as_an_error(client, caplog):
    """make up prints the log: a 503 while the worker starts must not read as a failure."""
    cache.delete(WORKER_SEEN_KEY)
    caplog.set_level(logging.INFO)

    assert client.get("/healthz").status_code == 503

    levels = {(r.name, r.levelname) for r in caplog.records}
    assert ("config.health", "INFO") in levels
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)
    assert "worker: no Celery worker has reported yet" in caplog.text


def test_a_real_failure_is_logged_as_a_warning_naming_it(client, caplog):
    cache.set(WORKER_SEEN_KEY, 0)  # a worker that stopped reporting
    caplog.set_level(logging.INFO)

    assert client.get("/healthz").status_code == 503

    [record] = [r for r in caplog.records if r.name == "config.health"]
    assert record.levelname == "WARNING" and "heartbeat" in record.getMessage()
    assert not any(r.name == "django.request" for r in caplog.records)
