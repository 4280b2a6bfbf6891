"""Faults for the reliability tests: this run's own redis-server stopped, started, restarted."""

from __future__ import annotations

import os
import sys

import pytest

from config import local_services


def _test_settings():
    test_settings = sys.modules["config.test_settings"]
    if not hasattr(test_settings, "TEST_REDIS"):
        pytest.skip("TEST_REDIS_URL points at a Redis this run does not own")
    return test_settings


def redis_stop() -> None:
    """Kill this run's redis-server (a crash, not a clean shutdown: nothing is saved)."""
    test_settings = _test_settings()
    test_settings.TEST_REDIS.kill()
    test_settings.TEST_REDIS.wait(10)


def redis_start() -> None:
    test_settings = _test_settings()
    test_settings.TEST_REDIS = local_services.start_redis(
        os.environ["REDIS_URL"], os.environ["ENGRAM_TEST_REDIS_DIR"]
    )[0]


def redis_restart() -> None:
    redis_stop()
    redis_start()


@pytest.fixture
def redis_down():
    """Redis is down for the test's body, and back afterwards (for the next tests too)."""
    _test_settings()
    redis_stop()
    try:
        yield
    finally:
        redis_start()
