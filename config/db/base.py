"""PostgreSQL backend that starts the embedded server on first use and insists on pgvector.

Used for every database: `EMBEDDED_DATA_DIR` in the settings dict means "start or join the
embedded server there"; without it the backend connects wherever DATABASE_URL points.
"""

from __future__ import annotations

import time

from django.db.backends.postgresql import base as postgresql
from django.db.utils import OperationalError

from config import local_services
from config.db.timestamps import iso_tz_loader
from config.local_services import ServiceError

# (host, port, dbname) already checked for pgvector by this process
_pgvector_checked: set[tuple] = set()
_embedded_socket_dirs: dict[str, str] = {}


class DatabaseUnreachable(ServiceError, OperationalError):
    """Raised while connecting; still an OperationalError so Django's handling applies."""


# A connection handed out this recently, with no error since, skips the per-request health
# check (CONN_HEALTH_CHECKS' SELECT 1, ~0.25 ms of a ~10 ms search).
RECENTLY_USED_SECONDS = 1.0


class DatabaseWrapper(postgresql.DatabaseWrapper):
    _handed_out_at = float("-inf")

    def close_if_health_check_failed(self):
        """Django checks a persistent connection with a SELECT 1 at the first query of every
        request; one that served a request less than a second ago is trusted instead.

        What the check guards against is a server that went away while the connection sat idle.
        Busy connections skip it: if PostgreSQL restarts within that second, the next query
        fails like every query during the restart itself, and Django closes the connection at
        the end of that request because an error occurred."""
        recently_used = time.monotonic() - self._handed_out_at < RECENTLY_USED_SECONDS
        if recently_used and self.connection is not None and not self.errors_occurred:
            self.health_check_done = True
        super().close_if_health_check_failed()
        self._handed_out_at = time.monotonic()

    def get_connection_params(self):
        data_dir = self.settings_dict.get("EMBEDDED_DATA_DIR")
        if data_dir:
            self.settings_dict["HOST"] = _embedded_socket_dir(data_dir)
        return super().get_connection_params()

    def get_new_connection(self, conn_params):
        try:
            return super().get_new_connection(conn_params)
        except Exception as exc:
            if not isinstance(exc, self.Database.OperationalError):
                raise
            if self.settings_dict.get("EMBEDDED_DATA_DIR"):
                # The embedded server was stopped or crashed: start it again, once.
                _embedded_socket_dirs.clear()
                conn_params["host"] = _embedded_socket_dir(self.settings_dict["EMBEDDED_DATA_DIR"])
                return super().get_new_connection(conn_params)
            raise DatabaseUnreachable(_unreachable_message(conn_params, exc)) from exc

    def init_connection_state(self):
        super().init_connection_state()
        self.connection.adapters.register_loader("timestamptz", iso_tz_loader(self.timezone))
        params = self.get_connection_params()
        key = (params.get("host"), params.get("port"), params.get("dbname"))
        if key not in _pgvector_checked:
            _require_pgvector(self.connection, key)
            _pgvector_checked.add(key)


def _embedded_socket_dir(data_dir: str) -> str:
    if data_dir not in _embedded_socket_dirs:
        _embedded_socket_dirs[data_dir] = local_services.ensure_postgres(data_dir).socket_dir
    return _embedded_socket_dirs[data_dir]


def _require_pgvector(raw_connection, key: tuple) -> None:
    with raw_connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
        if cursor.fetchone():
            return
    host, port, dbname = key
    raise ServiceError(
        f"PostgreSQL at {host or 'localhost'}:{port or 5432}/{dbname} has no pgvector, so "
        "CREATE EXTENSION vector is impossible: install pgvector on that server "
        "(https://github.com/pgvector/pgvector) or unset DATABASE_URL to use the embedded one"
    )


def _unreachable_message(conn_params: dict, exc: Exception) -> str:
    where = f"{conn_params.get('host') or 'localhost'}:{conn_params.get('port') or 5432}"
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return (
        f"cannot connect to PostgreSQL at {where}/{conn_params.get('dbname')} ({reason}): "
        "check DATABASE_URL, or unset it to use the embedded PostgreSQL"
    )
