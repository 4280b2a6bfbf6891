"""The embedded PostgreSQL: started on first use, one server shared by every process."""

import pytest
from django.db import connection
from django.db.utils import ConnectionHandler

from config import local_services
from tests.conftest import run_in_repo

pytestmark = pytest.mark.django_db

SERVER_IDENTITY = (
    "SELECT current_setting('data_directory'), pg_postmaster_start_time()::text, "
    "current_setting('server_version_num')"
)
PRINT_IDENTITY = (
    "from django.db import connection; c = connection.cursor(); "
    f'c.execute("{SERVER_IDENTITY}"); print("|".join(c.fetchone()))'
)


def identity_here() -> str:
    with connection.cursor() as cursor:
        cursor.execute(SERVER_IDENTITY)
        return "|".join(cursor.fetchone())


def test_it_shares_one_server_between_processes():
    first = run_in_repo("manage.py", "shell", "-c", PRINT_IDENTITY)
    second = run_in_repo("manage.py", "shell", "-c", PRINT_IDENTITY)

    assert first.returncode == 0, first.stderr
    first_line, second_line = first.stdout.splitlines()[-1], second.stdout.splitlines()[-1]
    assert first_line == second_line == identity_here()
    assert int(identity_here().split("|")[2]) >= 180000  # the wheel's PostgreSQL 18


def test_it_starts_a_server_once_and_reports_who_started_it(tmp_path):
    data_dir = tmp_path / "postgres"

    first = local_services.ensure_postgres(data_dir)
    second = local_services.ensure_postgres(data_dir)
    stopped = local_services.stop_postgres(data_dir)

    assert (first.started_here, second.started_here) == (True, False)
    assert first.socket_dir == second.socket_dir
    assert stopped is True
    assert local_services.postgres_running(data_dir) is False


def test_it_restarts_a_stopped_embedded_server_on_the_next_connection(tmp_path):
    data_dir = str(tmp_path / "postgres")
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "config.db",
                "NAME": "engram",
                "USER": "postgres",
                "EMBEDDED_DATA_DIR": data_dir,
            }
        }
    )
    wrapper = handler["default"]
    wrapper.ensure_connection()
    wrapper.close()
    local_services.stop_postgres(data_dir)

    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
        row = cursor.fetchone()

    wrapper.close()
    local_services.stop_postgres(data_dir)
    assert row == (1,)


def test_a_new_embedded_server_gets_its_shared_buffers(tmp_path, monkeypatch):
    import psycopg

    monkeypatch.setenv("EMBEDDED_PG_SHARED_BUFFERS_MB", "160")
    data_dir = tmp_path / "postgres"
    server = local_services.ensure_postgres(data_dir)
    try:
        with psycopg.connect(host=server.socket_dir, user="postgres", dbname="postgres") as c:
            setting = c.execute("SHOW shared_buffers").fetchone()[0]
        again = local_services.ensure_postgres(data_dir)  # already running and sized: no restart
    finally:
        local_services.stop_postgres(data_dir)

    assert setting == "160MB"
    assert again.started_here is False


def test_shared_buffers_follow_the_setting_or_stay_within_bounds(monkeypatch):
    monkeypatch.setenv("EMBEDDED_PG_SHARED_BUFFERS_MB", "512")
    assert local_services.shared_buffers_mb() == 512
    monkeypatch.delenv("EMBEDDED_PG_SHARED_BUFFERS_MB")
    assert 128 <= local_services.shared_buffers_mb() <= 4096
