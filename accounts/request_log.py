"""The API request log: buffered in Redis on the request path, written to PostgreSQL in batches.

An enqueue costs the request one Redis round trip (~0.1 ms); a beat task moves the buffer into
`RequestLog` rows with one INSERT per batch, and prunes rows past the retention period.

The log must keep flowing whatever a client sends: entries are cleaned of what PostgreSQL
refuses (NUL, unpaired surrogates, overlong fields) both when buffered and when flushed, a row
PostgreSQL still refuses is dropped alone, and the buffer is bounded.
"""

from __future__ import annotations

import json
import logging
import math
import re
from datetime import UTC, datetime, timedelta

import redis
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import ApiKey, Project, RequestLog
from config.redis import get_redis, redis_key

logger = logging.getLogger(__name__)
BUFFER = "request-log"
DROPPED = "request-log:dropped"  # entries the bound pushed out, since the last flush read it
BATCH = 1000
METHOD_MAX = RequestLog._meta.get_field("method").max_length
PATH_MAX = RequestLog._meta.get_field("path").max_length
STATUS_MAX = 32767  # PositiveSmallIntegerField
ID_MAX = 2**63 - 1  # bigint
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # PostgreSQL text refuses NUL; UTF-8, surrogates

# One round trip: append, trim the oldest past the bound, and count what the trim dropped.
_PUSH = """
local length = redis.call('RPUSH', KEYS[1], ARGV[1])
local over = length - tonumber(ARGV[2])
if over > 0 then
  redis.call('LTRIM', KEYS[1], over, -1)
  redis.call('INCRBY', KEYS[2], over)
end
return length
"""


def request_log_enqueue(
    *,
    project_id: int | None,
    api_key_id: int | None,
    method: str,
    path: str,
    status: int,
    latency_ms: float,
) -> None:
    entry = _clean(
        {
            "project_id": project_id,
            "api_key_id": api_key_id,
            "method": method,
            "path": path,
            "status": status,
            "latency_ms": latency_ms,
            "created_at": timezone.now().isoformat(),
        }
    )
    keys = [redis_key(BUFFER), redis_key(DROPPED)]
    try:
        # EVALSHA, falling back to EVAL when Redis has not seen the script (a restart flushes them)
        get_redis().register_script(_PUSH)(keys=keys, args=[json.dumps(entry), _buffer_max()])
    except redis.RedisError as exc:
        logger.warning("request log entry dropped, Redis unavailable: %s", exc)


def request_log_flush() -> int:
    """Move buffered entries into RequestLog; returns how many rows were written.

    A database that does not answer (OperationalError) leaves the batch in the buffer for the
    next run; rows the database refuses are dropped one by one, with a warning."""
    client, written = get_redis(), 0
    _warn_of_overflow(client)
    while raw_entries := client.lpop(redis_key(BUFFER), BATCH):
        entries = [entry for raw in raw_entries if (entry := _parsed(raw)) is not None]
        try:
            written += _insert(entries)
        except (OperationalError, InterfaceError):
            client.lpush(redis_key(BUFFER), *reversed(raw_entries))  # keep them for next time
            raise
    return written


def _insert(entries: list[dict]) -> int:
    rows = _rows(entries)
    try:
        with transaction.atomic():
            RequestLog.objects.bulk_create(rows)
        return len(rows)
    except (OperationalError, InterfaceError):
        raise
    except DatabaseError:
        pass  # one bad row fails the whole INSERT: find it, keep the others
    written = 0
    for row in rows:
        try:
            with transaction.atomic():
                row.save(force_insert=True)
            written += 1
        except (OperationalError, InterfaceError):
            raise
        except DatabaseError as exc:
            logger.warning("request log entry dropped, PostgreSQL refused it: %s (%r)", exc, row)
    return written


def _warn_of_overflow(client: redis.Redis) -> None:
    dropped = client.getdel(redis_key(DROPPED))
    if dropped:
        logger.warning(
            "request log: %s entries dropped, the buffer was full (REQUEST_LOG_BUFFER_MAX=%s)",
            int(dropped),
            _buffer_max(),
        )


def _buffer_max() -> int:
    return max(1, settings.REQUEST_LOG_BUFFER_MAX)


def _parsed(raw: bytes) -> dict | None:
    """A buffered entry, cleaned; None (and a warning) for one that is not an entry at all."""
    try:
        entry = json.loads(raw)
        if not isinstance(entry, dict):
            raise ValueError("not an object")
        return _clean(entry)
    except (ValueError, TypeError) as exc:
        logger.warning("request log entry dropped, malformed (%s): %.200r", exc, raw)
        return None


def _clean(entry: dict) -> dict:
    """An entry PostgreSQL can store: text without NUL or surrogates and within its column,
    numbers in range, ids that are integers or None. Raises TypeError/ValueError otherwise."""
    latency = float(entry.get("latency_ms") or 0)
    return {
        "project_id": _id(entry.get("project_id")),
        "api_key_id": _id(entry.get("api_key_id")),
        "method": _text(entry.get("method"), METHOD_MAX),
        "path": _text(entry.get("path"), PATH_MAX),
        "status": min(max(int(entry.get("status") or 0), 0), STATUS_MAX),
        "latency_ms": round(latency, 2) if math.isfinite(latency) else 0.0,
        "created_at": _time(entry.get("created_at")).isoformat(),
    }


def _text(value, limit: int) -> str:
    return _UNSTORABLE.sub("\ufffd", str(value or ""))[:limit]


def _id(value) -> int | None:
    valid = isinstance(value, int) and not isinstance(value, bool) and 0 < value <= ID_MAX
    return value if valid else None


def _time(value) -> datetime:
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        return timezone.now()
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def _rows(entries: list[dict]) -> list[RequestLog]:
    # Projects or keys deleted since the request keep their log rows, unlinked.
    project_ids = set(
        Project.objects.filter(pk__in={e["project_id"] for e in entries}).values_list(
            "pk", flat=True
        )
    )
    key_ids = set(
        ApiKey.objects.filter(pk__in={e["api_key_id"] for e in entries}).values_list(
            "pk", flat=True
        )
    )
    return [
        RequestLog(
            project_id=e["project_id"] if e["project_id"] in project_ids else None,
            api_key_id=e["api_key_id"] if e["api_key_id"] in key_ids else None,
            method=e["method"],
            path=e["path"],
            status=e["status"],
            latency_ms=e["latency_ms"],
            created_at=parse_datetime(e["created_at"]),
        )
        for e in entries
    ]


def request_log_prune(*, days: int | None = None) -> int:
    days = settings.REQUEST_LOG_RETENTION_DAYS if days is None else days
    deleted, _ = RequestLog.objects.filter(
        created_at__lt=timezone.now() - timedelta(days=days)
    ).delete()
    return deleted
