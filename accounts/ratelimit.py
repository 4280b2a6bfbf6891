"""Per-API-key rate limiting: a fixed one-minute window counted in Redis."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from rest_framework.throttling import BaseThrottle

from config.redis import get_redis, redis_key

logger = logging.getLogger(__name__)
WINDOW_SECONDS = 60


@dataclass(frozen=True)
class RateLimitState:
    limit: int
    remaining: int
    reset_seconds: int  # until the window ends

    @property
    def allowed(self) -> bool:
        return self.remaining >= 0

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(self.remaining, 0)),
            "X-RateLimit-Reset": str(self.reset_seconds),
        }


def rate_limit_hit(*, key_id: int, limit: int, now: float | None = None) -> RateLimitState | None:
    """Count one request for `key_id`; None when Redis is unreachable (we fail open)."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    name = redis_key(f"ratelimit:{key_id}:{window}")
    try:
        pipe = get_redis().pipeline(transaction=False)
        pipe.incr(name)
        pipe.expire(name, WINDOW_SECONDS + 5)
        count, _ = pipe.execute()
    except redis.RedisError as exc:
        logger.warning("rate limiting skipped, Redis unavailable: %s", exc)
        return None
    reset = max(1, int((window + 1) * WINDOW_SECONDS - now))
    return RateLimitState(limit=limit, remaining=limit - count, reset_seconds=reset)


class ApiKeyRateThrottle(BaseThrottle):
    """DRF throttle keyed by the authenticated API key; stores the state for the headers."""

    def allow_request(self, request, view) -> bool:
        api_key = request.auth
        if api_key is None:
            return True
        limit = api_key.project.rate_limit_per_minute or settings.API_RATE_LIMIT_PER_MINUTE
        state = rate_limit_hit(key_id=api_key.pk, limit=limit)
        request.rate_limit = state
        return state is None or state.allowed

    def wait(self) -> float | None:
        return None  # the exception handler reads the state from the request instead
