"""/healthz (every part, for people and monitors) and /readyz (can this process serve)."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from config.redis import get_redis

WORKER_SEEN_KEY = "health:worker-last-seen"
NO_WORKER_YET = "no Celery worker has reported yet"
logger = logging.getLogger(__name__)


def worker_seen_now() -> None:
    cache.set(WORKER_SEEN_KEY, time.time(), timeout=24 * 3600)


def _one_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # a health check reports failures, it never raises them
        return {"status": "error", "detail": _one_line(exc)}
    result.setdefault("status", "ok")
    result["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return result


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version')")
        return {"server_version": cursor.fetchone()[0]}


def _pgvector() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        row = cursor.fetchone()
    if row is None:
        return {"status": "error", "detail": "extension vector not installed: run migrate"}
    return {"version": row[0]}


def _redis() -> dict:
    get_redis().ping()
    return {}


def _worker() -> dict:
    last_seen = cache.get(WORKER_SEEN_KEY)
    if last_seen is None:
        return {"status": "error", "detail": NO_WORKER_YET}
    age = round(time.time() - last_seen, 1)
    if age > settings.WORKER_HEARTBEAT_MAX_AGE:
        return {"status": "error", "detail": f"last worker heartbeat {age} s ago", "age_s": age}
    return {"age_s": age}


def _embedder() -> dict:
    from memories.embeddings import embedder_status
    from memories.services.reembed import projects_to_reembed

    status = embedder_status()
    if status.get("error"):
        return {"status": "error", "detail": status["error"], **status}
    # Not an error: their search stays right (one query embedding per model), only slower.
    status["projects_to_reembed"] = projects_to_reembed().count()
    if status["projects_to_reembed"]:
        status["detail"] = (
            f"{status['projects_to_reembed']} project(s) hold memories of another embedding "
            "model: run `manage.py reembed --all` (online, resumable)"
        )
    return status


def _extractor() -> dict:
    from memories.extraction.llm import llm_status

    return llm_status()


def _migrations() -> dict:
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        return {"status": "error", "detail": f"{len(pending)} migrations not applied: run migrate"}
    return {}


def _report(request_path: str, checks: dict) -> JsonResponse:
    results = {name: _timed(check) for name, check in checks.items()}
    healthy = all(result["status"] == "ok" for result in results.values())
    body = {"status": "ok" if healthy else "error", "checks": results}
    response = JsonResponse(body, status=200 if healthy else 503)
    if not healthy:
        _log_unhealthy(request_path, results)
        # Logged above at its own level: Django would log every 503 as an ERROR of
        # django.request, and a worker that is still starting is no error.
        response._has_been_logged = True
    return response


def _log_unhealthy(path: str, results: dict) -> None:
    failing = {name: r.get("detail", "") for name, r in results.items() if r["status"] != "ok"}
    starting = set(failing.values()) == {NO_WORKER_YET}  # the worker has not started yet
    text = "; ".join(f"{name}: {detail}" for name, detail in failing.items())
    logger.log(logging.INFO if starting else logging.WARNING, "%s: 503, %s", path, text)


@never_cache
def healthz(request):
    return _report(
        request.path,
        {
            "database": _database,
            "pgvector": _pgvector,
            "redis": _redis,
            "worker": _worker,
            "embedder": _embedder,
            "extractor": _extractor,
        },
    )


@never_cache
def readyz(request):
    return _report(
        request.path, {"database": _database, "redis": _redis, "migrations": _migrations}
    )
