"""A whole Engram of its own for fault tests: an embedded PostgreSQL and a redis-server in a
temporary folder, and gunicorn, the supervised worker and beat as `make up` runs them, with the
production settings module. A test may crash or restart any part without disturbing the rest of
the suite (which shares the developer's embedded PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import httpx
import psycopg

from config import local_services
from tests.conftest import REPO_ROOT, stop_process, wait_until

# Variables of the test run that must not reach the stack's processes.
_RUN_ONLY = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "TEST_REDIS_URL", "PYTHONPATH")


class Stack:
    def __init__(self, root: Path, **settings: str):
        self.root = root
        self.port = local_services.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.redis_url = f"redis://127.0.0.1:{local_services.free_port()}/0"
        self.pg_dir = root / "postgres"
        self.processes: dict[str, subprocess.Popen] = {}
        self.redis: subprocess.Popen | None = None
        self.settings = settings
        self.socket_dir = ""

    # --- parts --------------------------------------------------------------------------

    def start(self) -> str:
        """Start everything; returns an API key of a fresh project."""
        self.postgres_start()
        self.redis_start()
        self.manage("migrate", "--noinput")
        key = self.manage(
            "create_api_key", "--email", "ops@example.com", "--org", "Ops", "--project", "chaos"
        ).strip()
        self.spawn("web", "gunicorn", "config.wsgi", "-c", "python:config.gunicorn")
        self.spawn("worker", sys.executable, "-m", "config.worker", "--concurrency=2")
        schedule = str(self.root / "celerybeat-schedule")
        self.spawn("beat", "celery", "-A", "config", "beat", f"--schedule={schedule}")
        wait_until(self._ready, seconds=90, what="the web server")
        return key

    def postgres_start(self) -> None:
        self.socket_dir = local_services.ensure_postgres(self.pg_dir).socket_dir

    def postgres_restart(self) -> None:
        local_services.stop_postgres(self.pg_dir)
        self.postgres_start()

    def redis_start(self) -> None:
        self.redis = local_services.start_redis(self.redis_url, self.root / "redis")[0]

    def redis_restart(self) -> None:
        """A crash (SIGKILL: nothing saved, queued messages gone), then a new server."""
        self.redis.kill()
        self.redis.wait(10)
        self.redis_start()

    def worker_kill(self) -> int:
        """SIGKILL the Celery worker under the supervisor; returns its pid."""
        supervisor = self.processes["worker"].pid
        children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
        os.kill(int(children[0]), signal.SIGKILL)
        return int(children[0])

    def alive(self, name: str) -> bool:
        return self.processes[name].poll() is None

    def log(self, name: str) -> str:
        return (self.root / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for process in self.processes.values():
            stop_process(process)
        if self.redis is not None:
            local_services.stop_process(self.redis)
        local_services.stop_postgres(self.pg_dir)

    # --- reading the stack's database -------------------------------------------------------

    def query(self, sql: str, *params) -> list[tuple]:
        with psycopg.connect(host=self.socket_dir, user="postgres", dbname="engram") as conn:
            return conn.execute(sql, params).fetchall()

    # --- plumbing ---------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _RUN_ONLY}
        env = {k: v for k, v in env.items() if not k.startswith("ENGRAM_")}
        bin_dir = str(Path(sys.executable).parent)
        return {
            **env,
            "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "ENGRAM_VAR_DIR": str(self.root),
            "DATABASE_URL": f"postgres://postgres@{quote(self.socket_dir, safe='')}/engram",
            "REDIS_URL": self.redis_url,
            "REDIS_KEY_PREFIX": "chaos",
            "SECRET_KEY": "chaos-test-secret-key-of-fifty-characters-at-least-xx",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "LLM_BASE_URL": "",
            "LLM_MODEL": "",
            **self.settings,
        }

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO_ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def spawn(self, name: str, *command: str) -> None:
        with open(self.root / f"{name}.log", "w") as log:
            self.processes[name] = subprocess.Popen(
                command, cwd=REPO_ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT
            )

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False
