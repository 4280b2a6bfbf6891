"""`make up`: start what is missing, migrate, and run web + worker + beat in the foreground.

python -m config.up           start everything; Ctrl-C stops what this command started
python -m config.up --check   only check the configuration (exit 1 with one line per problem)
python -m config.up --stop    stop the embedded PostgreSQL left running by other commands
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import django

BASE_DIR = Path(__file__).resolve().parent.parent
DEMO_EMAIL = "demo@engram.local"


def say(message: str) -> None:
    print(f"engram: {message}", flush=True)


def fail(message: str) -> None:
    print(f"engram: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def start_redis_if_needed(stack: ExitStack) -> None:
    from django.conf import settings

    from config import local_services

    url = settings.REDIS_URL
    if local_services.redis_answers(url):
        say(f"Redis: using the server at {url}")
        return
    if not local_services.redis_is_local(url) or not _env_true("START_REDIS", True):
        fail(f"no Redis answers at REDIS_URL={url}: start it or fix REDIS_URL")
    process, description = local_services.start_redis(url, settings.VAR_DIR / "redis")
    stack.callback(local_services.stop_process, process)
    say(f"Redis: nothing answered at {url}, started {description}, data in var/redis")


def start_database(stack: ExitStack) -> None:
    from django.conf import settings

    from config import local_services
    from config.preflight import database_problem

    data_dir = settings.DATABASES["default"].get("EMBEDDED_DATA_DIR")
    if data_dir:
        try:
            server = local_services.ensure_postgres(data_dir)
        except local_services.ServiceError as exc:
            fail(str(exc))
        if server.started_here:
            stack.callback(local_services.stop_postgres, data_dir)
        state = "started" if server.started_here else "using the running"
        say(f"PostgreSQL: {state} embedded server (pgvector), data in {data_dir}")
    problem = database_problem()
    if problem:
        fail(problem)
    if not data_dir:
        say("PostgreSQL: using DATABASE_URL")


def prepare_database() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    say("database migrated, static files collected")


def create_demo_account_on_first_run() -> None:
    """A fresh install gets a login and an API key to try things with, shown this once."""
    import secrets

    from accounts.models import User
    from accounts.services import api_key_bootstrap

    if User.objects.exists():
        return
    password = secrets.token_urlsafe(12)
    User.objects.create_superuser(email=DEMO_EMAIL, password=password)
    _, key = api_key_bootstrap(
        email=DEMO_EMAIL,
        organization_name="Demo",
        project_name="default",
        scopes=["read", "write"],
        name="demo",
    )
    say("first run: created a demo organization, project, login and API key (shown once):")
    print(f"    login:    {DEMO_EMAIL} / {password}   (dashboard and /admin/)", flush=True)
    print(f"    API key:  {key}", flush=True)


def run_processes(port: str) -> int:
    """Run the Procfile under honcho until it exits or we are interrupted."""
    command = [
        sys.executable,
        "-m",
        "honcho",
        "start",
        "-f",
        str(BASE_DIR / "platform" / "Procfile"),
        "-d",
        str(BASE_DIR),
        "-p",
        port,
    ]
    # The Procfile names gunicorn and celery: find them in this virtualenv first.
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    honcho = subprocess.Popen(command, cwd=BASE_DIR, env=env)
    say(f"Engram is running at http://127.0.0.1:{port}/  (health: /healthz; Ctrl-C stops)")
    try:
        return honcho.wait()
    except KeyboardInterrupt:
        honcho.terminate()  # a no-op if the terminal's Ctrl-C already reached it
        honcho.wait()
        return 0  # Ctrl-C is how this command is meant to end


def _env_true(name: str, default: bool) -> bool:
    value = os.environ.get(name, "")
    return default if value == "" else value.lower() in {"1", "true", "yes", "on"}


def _interrupt_on_sigterm() -> None:
    def handler(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m config.up")
    parser.add_argument("--check", action="store_true", help="check the configuration only")
    parser.add_argument("--stop", action="store_true", help="stop the embedded PostgreSQL")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    if args.check:
        from config.preflight import exit_on_problems

        exit_on_problems()
        say("configuration OK")
        return 0
    if args.stop:
        return _stop_embedded()
    _interrupt_on_sigterm()
    port = os.environ.get("PORT", "8000")
    with ExitStack() as stack:
        try:
            start_redis_if_needed(stack)
            start_database(stack)
            prepare_database()
            create_demo_account_on_first_run()
            code = run_processes(port)
        except KeyboardInterrupt:
            code = 0
        say("stopping what this command started")
    return code


def _stop_embedded() -> int:
    from django.conf import settings

    from config import local_services

    data_dir = settings.DATABASES["default"].get("EMBEDDED_DATA_DIR")
    if data_dir and local_services.stop_postgres(data_dir):
        say("embedded PostgreSQL stopped")
    else:
        say("no embedded PostgreSQL was running")
    return 0


if __name__ == "__main__":
    sys.exit(main())
