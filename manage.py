#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from config.local_services import ServiceError

    try:
        execute_from_command_line(sys.argv)
    except ServiceError as exc:
        # Bad configuration (unreachable database, no pgvector...): one line, no traceback.
        from config.preflight import one_line

        sys.exit(f"engram: {one_line(exc)}")


if __name__ == "__main__":
    main()
