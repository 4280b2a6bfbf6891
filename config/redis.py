"""One redis-py client per process for Engram's own keys (rate limits, request-log buffer)."""

from __future__ import annotations

from functools import cache

import redis
from django.conf import settings


@cache
def get_redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)


def redis_key(name: str) -> str:
    """Namespace a key with REDIS_KEY_PREFIX, like the cache and Celery do."""
    return f"{settings.REDIS_KEY_PREFIX}:{name}"
