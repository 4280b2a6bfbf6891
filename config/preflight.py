"""Start-up checks that turn bad configuration into one readable line."""

from __future__ import annotations

import sys

from django.conf import settings
from django.db import connection
from django.db.utils import OperationalError

from config.local_services import ServiceError, redis_answers


def one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def database_problem() -> str | None:
    try:
        connection.ensure_connection()
    except (ServiceError, OperationalError) as exc:
        return one_line(exc)
    finally:
        connection.close()  # never hand an open connection to forked children
    return None


def redis_problem() -> str | None:
    if redis_answers(settings.REDIS_URL):
        return None
    return (
        f"no Redis answers at REDIS_URL={settings.REDIS_URL}: start Redis or fix REDIS_URL "
        "(`make up` starts a local one when REDIS_URL points at this machine)"
    )


def problems(*, redis: bool = True) -> list[str]:
    found = [database_problem()]
    if redis:
        found.append(redis_problem())
    return [problem for problem in found if problem]


def exit_on_problems(*, redis: bool = True) -> None:
    found = problems(redis=redis)
    for problem in found:
        print(f"engram: {problem}", file=sys.stderr)
    if found:
        sys.exit(1)
