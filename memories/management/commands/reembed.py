"""`manage.py reembed [proj_… …] [--all] [--batch-size N]`: embed memories again with the
configured model (after EMBEDDING_MODEL or EMBEDDER changed), while Engram keeps serving.

Interrupt it at any time and run it again: it continues where it stopped
(memories.services.reembed). Progress goes to stderr.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Project
from memories import embeddings
from memories.services.reembed import (
    BATCH_SIZE,
    Progress,
    project_reembed,
    projects_to_reembed,
    unused_indexes_drop,
)


class Command(BaseCommand):
    help = "Embed memories again with the configured embedding model (resumable, online)."

    def add_arguments(self, parser):
        parser.add_argument("projects", nargs="*", help="public ids (proj_…) of the projects")
        parser.add_argument(
            "--all", action="store_true", help="every project with memories of another model"
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, projects, all, batch_size, **options):
        if bool(projects) == all:
            raise CommandError("Name the projects (proj_…) or give --all.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            model = embeddings.current_model()
            embeddings.model_dim(model)
        except embeddings.EmbeddingError as exc:
            raise CommandError(f"The configured embedding model cannot run: {exc}") from None
        chosen = list(projects_to_reembed(model)) if all else self._named(projects)
        self.stderr.write(f"re-embedding {len(chosen)} project(s) with {model}")
        for project in chosen:
            state = project_reembed(project=project, batch_size=batch_size, progress=self._show)
            self.stderr.write(
                f"{project.public_id}: {state.done:,} memories re-embedded "
                f"({state.rate:,.0f}/s); it searches with {', '.join(project.embedding_models)}"
            )
        for name in unused_indexes_drop():
            self.stderr.write(f"dropped the unused vector index {name}")

    def _named(self, public_ids: list[str]) -> list[Project]:
        found = {p.public_id: p for p in Project.objects.filter(public_id__in=public_ids)}
        missing = [public_id for public_id in public_ids if public_id not in found]
        if missing:
            raise CommandError(f"No project {', '.join(missing)}.")
        return [found[public_id] for public_id in public_ids]

    def _show(self, state: Progress) -> None:
        share = state.done / state.total if state.total else 1.0
        left = (state.total - state.done) / state.rate if state.rate else 0.0
        bar = "#" * int(share * 30)
        line = (
            f"\r{state.project.public_id} [{bar:<30}] {state.done:,}/{state.total:,} "
            f"{share:.0%} · {state.rate:,.0f}/s · {left / 60:.0f} min left"
        )
        self.stderr.write(line, ending="\n" if state.done >= state.total else "")
        self.stderr.flush()
