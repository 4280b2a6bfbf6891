"""PostgreSQL backend that starts the embedded server on first use and insists on pgvector.

Used for every database: `EMBEDDED_DATA_DIR` in the settings dict means "start or join the
embedded server there"; without it the backend connects wherever DATABASE_URL points.
"""

from __future__ import annotations

from django.db.backends.postgresql import base as postgresql
from django.db.utils import OperationalError

from config import local_services
from config.local_services import ServiceError

# (host, port, dbname) already checked for pgvector by this process
_pgvector_checked: set[tuple] = set()
_embedded_socket_dirs: dict[str, str] = {}


class DatabaseUnreachable(ServiceError, OperationalError):
    """Raised while connecting; still an OperationalError so Django's handling applies."""


class DatabaseWrapper(postgresql.DatabaseWrapper):
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
