"""`python -m config.worker [more celery worker options]`: the Celery worker as Engram runs it,
started again whenever it exits on its own.

A worker that dies stops extraction for every project until someone notices, so every way of
running Engram (`make up`'s Procfile, the compose file, the systemd unit) starts the worker
through this module. (The crash seen on Redis restarts, "Unrecoverable error: AttributeError
('NoneType' object has no attribute 'hostname')", came from celery 5.7, which pyproject.toml
now excludes; this is the safety net for whatever else may end a worker.)

The options below are Engram's worker settings, kept here in one place: no gossip, mingle or
heartbeat events. Engram's workers never coordinate with each other (events are claimed in
PostgreSQL); those steps only add broker channels and traffic, rebuilt on every reconnect.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time

logger = logging.getLogger("engram.worker")

CELERY_WORKER = ["-m", "celery", "-A", "config", "worker", "--loglevel=INFO"]
WORKER_OPTIONS = ["--without-gossip", "--without-mingle", "--without-heartbeat"]
# A worker that ran this long before exiting was healthy: the next restart is immediate.
HEALTHY_RUN_SECONDS = 60
MAX_RESTART_DELAY_SECONDS = 30


def worker_command(extra: list[str]) -> list[str]:
    return [sys.executable, *CELERY_WORKER, *WORKER_OPTIONS, *extra]


class Supervisor:
    """Runs `command` until asked to stop (SIGTERM/SIGINT, passed on to it); restarts it with a
    growing delay (1, 2, 4 … 30 s) when it exits by itself."""

    def __init__(self, command: list[str]):
        self.command = command
        self.child: subprocess.Popen | None = None
        self.stopping = False

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        failures = 0
        while True:
            started = time.monotonic()
            self.child = subprocess.Popen(self.command)
            code = self.child.wait()
            if self.stopping:
                return code
            failures = 0 if time.monotonic() - started > HEALTHY_RUN_SECONDS else failures + 1
            delay = min(MAX_RESTART_DELAY_SECONDS, 2 ** max(failures - 1, 0)) if failures else 0
            logger.error(
                "engram: the worker exited with code %s; starting it again in %s s", code, delay
            )
            self._sleep(delay)
            if self.stopping:
                return code

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(0.1)

    def _stop(self, signum, _frame) -> None:
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signum)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    return Supervisor(worker_command(sys.argv[1:])).run()


if __name__ == "__main__":
    sys.exit(main())
