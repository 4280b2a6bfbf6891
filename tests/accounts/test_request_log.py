from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import RequestLog
from accounts.request_log import request_log_flush, request_log_prune


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
