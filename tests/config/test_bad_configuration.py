"""Bad configuration ends with one readable line on stderr, never a traceback."""

import pytest

from config import local_services
from tests.conftest import repo_env, run_in_repo

SYSTEM_POSTGRES_WITHOUT_PGVECTOR = "postgres://postgres@127.0.0.1:5432/postgres"


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("engram: ")
    for fragment in fragments:
        assert fragment in lines[0]


def test_it_names_an_unreachable_database_url():
    port = local_services.free_port()
    env = repo_env(DATABASE_URL=f"postgres://engram@127.0.0.1:{port}/engram")

    result = run_in_repo("manage.py", "migrate", "--check", env=env)

    assert_one_line_error(result, f"127.0.0.1:{port}/engram", "check DATABASE_URL")


def test_it_refuses_a_postgres_without_pgvector():
    if not _system_postgres_lacks_pgvector():
        pytest.skip("this machine has no PostgreSQL without pgvector on 127.0.0.1:5432")
    env = repo_env(DATABASE_URL=SYSTEM_POSTGRES_WITHOUT_PGVECTOR)

    result = run_in_repo("manage.py", "migrate", "--check", env=env)

    assert_one_line_error(result, "has no pgvector", "CREATE EXTENSION vector is impossible")


def test_it_names_an_unreachable_redis_when_not_starting_one():
    url = f"redis://127.0.0.1:{local_services.free_port()}/0"
    env = repo_env(REDIS_URL=url, START_REDIS="false", DJANGO_SETTINGS_MODULE="config.settings")

    result = run_in_repo("-m", "config.up", env=env)

    assert_one_line_error(result, f"no Redis answers at REDIS_URL={url}")


def test_it_checks_the_configuration_without_starting_anything():
    url = f"redis://127.0.0.1:{local_services.free_port()}/0"
    env = repo_env(REDIS_URL=url, DJANGO_SETTINGS_MODULE="config.settings")

    result = run_in_repo("-m", "config.up", "--check", env=env)

    assert_one_line_error(result, "no Redis answers")
    assert not local_services.redis_answers(url)


def test_it_refuses_to_start_gunicorn_on_an_unreachable_database():
    port = local_services.free_port()
    env = repo_env(
        DATABASE_URL=f"postgres://engram@127.0.0.1:{port}/engram",
        PORT=str(port),
        DJANGO_SETTINGS_MODULE="config.settings",
    )

    result = run_in_repo("-m", "gunicorn", "config.wsgi", "-c", "python:config.gunicorn", env=env)

    assert result.returncode != 0
    assert f"engram: cannot connect to PostgreSQL at 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def _system_postgres_lacks_pgvector() -> bool:
    import psycopg

    try:
        with psycopg.connect(SYSTEM_POSTGRES_WITHOUT_PGVECTOR, connect_timeout=2) as connection:
            row = connection.execute(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'"
            ).fetchone()
    except psycopg.Error:
        return False
    return row is None
