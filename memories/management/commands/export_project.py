"""`manage.py export_project proj_… [--output FILE|-] [--no-embeddings]`: the project as JSON
Lines (format: memories.services.portability). Data goes to stdout or the file, progress and
the summary to stderr."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts.models import Project
from memories.services.portability import project_export


class Command(BaseCommand):
    help = "Export a project (settings, entities, memories, history, feedback, events, webhooks)."

    def add_arguments(self, parser):
        parser.add_argument("project", help="the project's public id (proj_…)")
        parser.add_argument("--output", "-o", default="-", help="file to write, or - for stdout")
        parser.add_argument(
            "--no-embeddings",
            action="store_true",
            help="leave out the vectors (the importer embeds the texts again)",
        )

    def handle(self, *args, project, output, no_embeddings, **options):
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost:  # one consistent snapshot of every table, however long it takes
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            self.export(project, output, no_embeddings)

    def export(self, project: str, output: str, no_embeddings: bool) -> None:
        found = Project.objects.select_related("organization").filter(public_id=project).first()
        if found is None:
            raise CommandError(f"No project {project!r}.")
        lines = project_export(
            project=found, include_embeddings=not no_embeddings, progress=self.stderr.write
        )
        if output == "-":
            # Straight to the process's stdout: self.stdout would add its own line endings.
            sys.stdout.writelines(lines)
            sys.stdout.flush()
        else:
            with open(output, "w", encoding="utf-8") as file:
                file.writelines(lines)
