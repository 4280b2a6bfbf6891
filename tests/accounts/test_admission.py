"""A request's key and its rate-limit count: one Redis round trip for a key the process knows
(accounts/admission.py)."""

import pytest
from redis.connection import AbstractConnection

from accounts import auth_cache
from accounts.admission import api_key_admit
from accounts.services import api_key_revoke
from config.redis import get_redis, redis_key


@pytest.fixture
def round_trips(monkeypatch):
    """Commands (or pipelines) sent to Redis, counted as they leave."""
    sent = []
    original = AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    return sent


def test_it_counts_a_known_key_and_checks_its_version_in_one_round_trip(alice, round_trips):
    api_key_admit(plaintext=alice.key, now=600.0)
    round_trips.clear()

    api_key, state = api_key_admit(plaintext=alice.key, now=601.0)

    assert len(round_trips) == 1
    assert api_key.pk == alice.api_key.pk
    assert state.remaining == state.limit - 2


def test_it_finds_an_unknown_key_first_and_counts_it_after(alice, round_trips):
    api_key, state = api_key_admit(plaintext=alice.key, now=600.0)

    assert len(round_trips) == 2  # the version, then the count
    assert api_key.pk == alice.api_key.pk and state.remaining == state.limit - 1


def test_it_reloads_a_key_revoked_since_it_was_cached(alice):
    api_key_admit(plaintext=alice.key)
    api_key_revoke(api_key=alice.api_key)

    api_key, _ = api_key_admit(plaintext=alice.key)

    assert api_key.revoked_at is not None  # the authentication refuses it (401)


def test_it_counts_nothing_for_an_unknown_plaintext(alice):
    assert api_key_admit(plaintext=f"eg_{alice.api_key.prefix}_forged") == (None, None)
    assert not auth_cache._entries


def test_it_recreates_the_version_and_reloads_the_script_after_a_redis_restart(alice):
    api_key_admit(plaintext=alice.key, now=600.0)
    get_redis().delete(redis_key(auth_cache.VERSION))  # what a restart of this Redis does
    get_redis().script_flush()

    api_key, state = api_key_admit(plaintext=alice.key, now=601.0)

    assert api_key.pk == alice.api_key.pk and state.remaining == state.limit - 2
    assert get_redis().get(redis_key(auth_cache.VERSION)) is not None
