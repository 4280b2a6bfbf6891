from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest_plugins = ["tests.fakes.openai_server"]
# The SDKs send telemetry to a third party unless told not to; no test may do that.
os.environ["MEM0_TELEMETRY"] = "false"

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


def start_worker(**env: str) -> subprocess.Popen:
    """A real `celery worker` subprocess on this run's Redis (key prefix from the env) and this
    run's test database; its output goes to /tmp/<test database>-worker.log."""
    log = open(f"/tmp/{os.environ['ENGRAM_TEST_DATABASE']}-worker.log", "a")  # noqa: SIM115
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
    command += ["--loglevel=INFO", "--without-mingle", "--without-gossip", "--hostname=test@%h"]
    return subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=repo_env(ENGRAM_USE_TEST_DATABASE="1", **env),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop_process(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@pytest.fixture
def celery_worker_process():
    process = start_worker()
    yield process
    stop_process(process)


# --- the tenant world: alice owns org A, bob reads in org A, charlie owns org C ------------


class Tenant:
    """A person with a role in an organization's project, and an API key of theirs."""

    def __init__(self, email: str, role: str, project=None, scopes=("read", "write")):
        from accounts.models import Role
        from accounts.services import api_key_create
        from tests.factories import MembershipFactory, ProjectFactory, UserFactory

        self.user = UserFactory(email=email)
        self.project = project or ProjectFactory()
        self.organization = self.project.organization
        MembershipFactory(organization=self.organization, user=self.user, role=Role(role))
        self.api_key, self.key = api_key_create(
            project=self.project, created_by=self.user, name=f"{email} key", scopes=scopes
        )

    def client(self, key: str | None = None):
        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key or self.key}")
        return client

    @property
    def project_url(self) -> str:
        return (
            f"/api/v1/orgs/organizations/{self.organization.public_id}"
            f"/projects/{self.project.public_id}/"
        )


@pytest.fixture
def alice(db):
    return Tenant("alice@example.com", "OWNER")


@pytest.fixture
def bob(alice):
    return Tenant("bob@example.com", "READER", project=alice.project)


@pytest.fixture
def charlie(db):
    return Tenant("charlie@example.com", "OWNER")


@pytest.fixture(autouse=True)
def empty_redis_buffers():
    """Each test starts with no buffered request-log entries or access counts of earlier ones."""
    from accounts.request_log import BUFFER, DROPPED
    from config.redis import get_redis, redis_key
    from memories.services.access import COUNTS, FLUSHING

    get_redis().delete(
        redis_key(BUFFER), redis_key(DROPPED), redis_key(COUNTS), redis_key(FLUSHING)
    )


@pytest.fixture(autouse=True)
def fresh_moderation_rules():
    """Moderation rules are cached per process for a few seconds and every memory write checks
    them: no test may see the (rolled back) rules of another."""
    from memories.services.moderation_checks import rules_cache_clear

    rules_cache_clear()
    yield
    rules_cache_clear()


@pytest.fixture(autouse=True)
def fresh_auth_cache():
    """API keys are cached per process (accounts.auth_cache): no test may authenticate with the
    (rolled back) rows that another test cached."""
    from accounts.auth_cache import cache_clear

    cache_clear()
    yield
    cache_clear()


@pytest.fixture
def staff(db):
    """A staff user (moderation screens)."""
    from tests.factories import UserFactory

    return UserFactory(email="mod@example.com", is_staff=True)
