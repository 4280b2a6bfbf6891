from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def repo_env(**overrides: str) -> dict[str, str]:
    """The environment for a child process: this run's settings, Redis and key prefix."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings", **overrides}
    env.pop("PYTHONPATH", None)
    return env


def run_in_repo(*args: str, env: dict[str, str] | None = None, timeout: float = 120):
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=env or repo_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wait_until(predicate, *, seconds: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


@pytest.fixture
def celery_worker_process():
    """A real `celery worker` subprocess on this run's Redis (key prefix from the env)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-mingle",
            "--without-gossip",
            "--hostname=test@%h",
        ],
        cwd=REPO_ROOT,
        env=repo_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
