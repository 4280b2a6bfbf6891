from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import request_log
from accounts.models import RequestLog
from accounts.request_log import BUFFER, request_log_enqueue, request_log_flush, request_log_prune
from config.redis import get_redis, redis_key


def test_it_logs_each_api_call_with_key_status_and_latency(alice):
    alice.client().get("/v1/ping/")
    alice.client().patch(alice.project_url, {"multilingual": "no!"}, format="json")

    written = request_log_flush()

    rows = list(RequestLog.objects.order_by("id"))
    assert written == 2
    assert [(r.method, r.path, r.status) for r in rows] == [
        ("GET", "/v1/ping/", 200),
        ("PATCH", alice.project_url, 400),
    ]
    assert all(r.api_key_id == alice.api_key.pk and r.project == alice.project for r in rows)
    assert all(0 < r.latency_ms < 10_000 for r in rows)


def test_it_logs_refused_calls_without_a_key(db):
    APIClient().get("/v1/ping/", HTTP_AUTHORIZATION="Token eg_bad_key")

    request_log_flush()

    row = RequestLog.objects.get()
    assert (row.status, row.api_key, row.project) == (401, None, None)


def test_it_prunes_rows_past_the_retention(alice):
    old = RequestLog.objects.create(
        method="GET",
        path="/v1/ping/",
        status=200,
        latency_ms=1,
        created_at=timezone.now() - timedelta(days=31),
    )
    recent = RequestLog.objects.create(method="GET", path="/v1/ping/", status=200, latency_ms=1)

    deleted = request_log_prune(days=30)

    assert deleted == 1
    assert list(RequestLog.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not RequestLog.objects.filter(pk=old.pk).exists()


# --- a poison entry, a full buffer or a database that is down never stops the log -----------


def enqueue(path: str) -> None:
    fields = {"project_id": None, "api_key_id": None, "status": 200, "latency_ms": 1}
    request_log_enqueue(method="GET", path=path, **fields)


def buffered() -> list[dict]:
    return [json.loads(raw) for raw in get_redis().lrange(redis_key(BUFFER), 0, -1)]


def test_it_keeps_flowing_after_a_request_with_a_nul_in_its_path(alice):
    APIClient().get("/v1/memories/%00/")  # unauthenticated: logged with its path
    alice.client().get("/v1/ping/")

    written = request_log_flush()

    paths = list(RequestLog.objects.order_by("id").values_list("path", "status"))
    assert written == 2
    assert paths == [("/v1/memories/\ufffd/", 401), ("/v1/ping/", 200)]


def test_it_cleans_entries_buffered_before_the_fix(alice):
    poison = {"project_id": None, "api_key_id": None, "method": "G\x00ET\ud800" * 5}
    poison |= {"path": "/v1/\x00" * 300, "status": 99999, "latency_ms": 1, "created_at": "x"}
    get_redis().rpush(redis_key(BUFFER), json.dumps(poison))
    alice.client().get("/v1/ping/")

    assert request_log_flush() == 2

    row = RequestLog.objects.order_by("id").first()
    assert (row.method, len(row.path), row.status) == ("G\ufffdET\ufffd" * 2, 500, 32767)


def test_it_drops_a_malformed_entry_with_a_warning_and_writes_the_others(alice, caplog):
    get_redis().rpush(redis_key(BUFFER), b"{not json", b"[1, 2]", b'{"latency_ms": "slow"}')
    alice.client().get("/v1/ping/")

    assert request_log_flush() == 1

    assert RequestLog.objects.get().path == "/v1/ping/"
    assert caplog.text.count("request log entry dropped, malformed") == 3


def test_it_drops_a_row_postgres_refuses_and_only_that_row(alice, caplog, monkeypatch):
    for path in ("/v1/ping/", "/v1/refused/", "/v1/memories/"):
        enqueue(path)
    # One the cleaning lets through but PostgreSQL refuses: status < 0 breaks the column's CHECK
    monkeypatch.setattr(
        request_log, "_clean", lambda e: e | {"status": -1} if "refused" in e["path"] else e
    )

    assert request_log_flush() == 2

    assert sorted(RequestLog.objects.values_list("path", flat=True)) == [
        "/v1/memories/",
        "/v1/ping/",
    ]
    assert "PostgreSQL refused it" in caplog.text and buffered() == []


def test_it_keeps_the_batch_for_the_next_run_when_the_database_is_down(alice, monkeypatch):
    alice.client().get("/v1/ping/")
    alice.client().get("/v1/memories/")

    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patched:
        patched.setattr(RequestLog.objects, "bulk_create", down)
        with pytest.raises(OperationalError):
            request_log_flush()
    assert [e["path"] for e in buffered()] == ["/v1/ping/", "/v1/memories/"]

    assert request_log_flush() == 2


def test_it_drops_the_oldest_past_the_buffer_bound_and_warns_how_many(alice, settings, caplog):
    settings.REQUEST_LOG_BUFFER_MAX = 3
    for n in range(5):
        enqueue(f"/v1/ping/{n}/")

    assert [e["path"] for e in buffered()] == ["/v1/ping/2/", "/v1/ping/3/", "/v1/ping/4/"]
    assert request_log_flush() == 3
    assert "request log: 2 entries dropped, the buffer was full" in caplog.text

    caplog.clear()
    request_log_flush()
    assert "dropped" not in caplog.text
