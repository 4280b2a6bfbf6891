"""`manage.py import_project FILE|- [--org ORG] [--project-name NAME] [--into proj_…]
[--reembed]`: load an export_project file; idempotent per target project. Progress, new webhook
secrets and the summary go to stderr."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Project
from memories.services.portability_import import PortabilityError, project_import


class Command(BaseCommand):
    help = "Import a project exported by export_project, into a new or an existing project."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the export file, or - for stdin")
        parser.add_argument("--org", help="organization (public id or name) of the new project")
        parser.add_argument("--project-name", help="name of the new project (default: exported)")
        parser.add_argument("--into", help="import into this existing project (proj_…)")
        parser.add_argument(
            "--reembed", action="store_true", help="embed the texts again, ignoring the vectors"
        )

    def handle(self, *args, file, org, project_name, into, reembed, **options):
        target = None
        if into:
            target = Project.objects.filter(public_id=into).first()
            if target is None:
                raise CommandError(f"No project {into!r}.")
        try:
            if file == "-":
                result = self._import(sys.stdin, org, project_name, target, reembed)
            else:
                with open(file, encoding="utf-8") as lines:
                    result = self._import(lines, org, project_name, target, reembed)
        except (OSError, ValueError, PortabilityError) as error:
            raise CommandError(str(error)) from error
        for reason in result.too_large:
            self.stderr.write(f"not imported, too large: {reason}")
        for webhook_id, secret in result.webhook_secrets:
            self.stderr.write(f"webhook {webhook_id}: new signing secret {secret}")
        self.stderr.write(result.summary())

    def _import(self, lines, org, project_name, target, reembed):
        return project_import(
            lines=lines,
            organization=org,
            project_name=project_name,
            into=target,
            reembed=reembed,
            progress=self.stderr.write,
        )
