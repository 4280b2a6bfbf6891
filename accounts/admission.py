"""An API request's key and its count against the key's rate limit, in one Redis round trip for
a key this process has seen.

Every request needs the auth version (is the cached key still current? accounts/auth_cache.py)
and to count itself in its key's rate-limit window (accounts/ratelimit.py): two round trips,
~0.4 ms of a search's ~1.3 ms outside its own work. For a key in this process's cache, one
script does both: which key a plaintext names never changes, so the request can be counted for
that key before the entry is known to be current. Otherwise (a key's first request in this
process, or the cache turned off) the key is found first and counted after.
"""

from __future__ import annotations

import time

import redis

from accounts import auth_cache
from accounts.models import ApiKey
from accounts.ratelimit import (
    RateLimitState,
    rate_limit_count,
    rate_limit_hit,
    rate_limit_of,
    rate_limit_state,
)
from accounts.selectors import api_key_get_cached
from accounts.services import api_key_digest


def api_key_admit(
    *, plaintext: str, now: float | None = None
) -> tuple[ApiKey | None, RateLimitState | None]:
    """(the key `plaintext` names, or None; its rate-limit state with this request counted, or
    None when Redis is unreachable: limits fail open)."""
    now = time.time() if now is None else now
    known = auth_cache.cached_key_id(api_key_digest(plaintext)) if auth_cache.enabled() else None
    if known is not None:
        try:
            count, version = rate_limit_count(key_id=known, now=now, read=auth_cache.version_key())
        except redis.RedisError:
            pass  # the path below warns and carries on without Redis
        else:
            current = auth_cache.auth_version(read=version)
            api_key = api_key_get_cached(plaintext=plaintext, version=current)
            if api_key is None:
                return None, None
            return api_key, rate_limit_state(limit=rate_limit_of(api_key), count=count, now=now)
    api_key = api_key_get_cached(plaintext=plaintext)
    if api_key is None:
        return None, None
    return api_key, rate_limit_hit(key_id=api_key.pk, limit=rate_limit_of(api_key), now=now)
