"""Per-API-key rate limiting: a fixed one-minute window counted in Redis."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import redis
from django.conf import settings
from rest_framework.throttling import BaseThrottle

from config.redis import get_redis, redis_key

if TYPE_CHECKING:
    from accounts.models import ApiKey

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


# One round trip: count the request, give a new window its expiry, and read one more key the
# caller needs on every request anyway (the API key cache's version, accounts/admission.py).
_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if #KEYS == 2 then return {count, redis.call('GET', KEYS[2])} end
return {count, false}
"""


def rate_limit_hit(*, key_id: int, limit: int, now: float | None = None) -> RateLimitState | None:
    """Count one request for `key_id`; None when Redis is unreachable (we fail open)."""
    now = time.time() if now is None else now
    try:
        count, _ = rate_limit_count(key_id=key_id, now=now)
    except redis.RedisError as exc:
        logger.warning("rate limiting skipped, Redis unavailable: %s", exc)
        return None
    return rate_limit_state(limit=limit, count=count, now=now)


def rate_limit_count(
    *, key_id: int, now: float, read: str | None = None
) -> tuple[int, bytes | None]:
    """(requests of `key_id` in the window of `now`, this one included; the value of the Redis key
    `read`, fetched in the same round trip). Raises redis.RedisError."""
    window = int(now // WINDOW_SECONDS)
    keys = [redis_key(f"ratelimit:{key_id}:{window}"), *([read] if read else [])]
    # EVALSHA, falling back to EVAL when Redis has not seen the script (a restart flushes them)
    count, value = get_redis().register_script(_COUNT)(keys=keys, args=[WINDOW_SECONDS + 5])
    return count, value or None


def rate_limit_state(*, limit: int, count: int, now: float) -> RateLimitState:
    reset = max(1, int((int(now // WINDOW_SECONDS) + 1) * WINDOW_SECONDS - now))
    return RateLimitState(limit=limit, remaining=limit - count, reset_seconds=reset)


def rate_limit_of(api_key: ApiKey) -> int:
    """Requests a minute allowed to the key: its project's setting, else the server's default."""
    return api_key.project.rate_limit_per_minute or settings.API_RATE_LIMIT_PER_MINUTE


class ApiKeyRateThrottle(BaseThrottle):
    """Refuses a request over its key's limit; the authentication counted it already (in the
    same round trip as its key, accounts/admission.py) and left the state on the request."""

    def allow_request(self, request, view) -> bool:
        state = getattr(request, "rate_limit", None)
        return state is None or state.allowed

    def wait(self) -> float | None:
        return None  # the exception handler reads the state from the request instead
