"""Move a project's memories to the configured embedding model, batch by batch, while it serves.

Safe to run beside the web and workers, and to interrupt: the state is in the rows themselves.
Each memory records the model of its vector (`Memory.embedding_model`), so a run picks up the
memories not yet of the configured model, embeds a batch outside any transaction and writes it
in one UPDATE, which skips a memory whose text changed meanwhile (its update embedded it with the
configured model already). A run that stops leaves every memory with a vector of one model or
the other, and the next run continues where it stopped.

Search stays right during the change: the project lists both models (`Project.embedding_models`)
from the first batch on, so each query is embedded with both and each memory compared with
the vector of its own model (selectors/search_dense.py). When no memory of another model is
left, the list narrows to the configured model and the unused indexes go.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction

from accounts.auth_cache import api_keys_changed
from accounts.models import Project
from memories import embeddings
from memories.models import Memory
from memories.selectors.search_lexical import vector_literal
from memories.services.memories import embedded_with
from memories.services.vector_indexes import drop_unused_vector_indexes, ensure_vector_index

BATCH_SIZE = 64

_WRITE = f"""UPDATE {Memory._meta.db_table} m
SET embedding = v.embedding::vector, embedding_model = %s
FROM unnest(%s::uuid[], %s::varchar[], %s::text[]) AS v(id, hash, embedding)
WHERE m.id = v.id AND m.hash = v.hash AND m.embedding_model <> %s"""


@dataclass
class Progress:
    project: Project
    model: str
    total: int  # memories of another model when the run began
    done: int = 0
    started: float = 0.0

    @property
    def rate(self) -> float:
        elapsed = time.perf_counter() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0


def projects_to_reembed(model: str | None = None):
    """Projects that may hold vectors of a model other than `model` (the configured one)."""
    model = model or embeddings.current_model()
    return Project.objects.exclude(embedding_models=[]).exclude(embedding_models=[model])


def project_reembed(
    *,
    project: Project,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[Progress], None] | None = None,
) -> Progress:
    """Embed every memory of `project` that is not of the configured model with it."""
    model = embeddings.current_model()
    ensure_vector_index(model, embeddings.model_dim(model))
    embedded_with(project)  # search embeds queries with it from now on
    pending = Memory.objects.filter(project=project).exclude(embedding_model=model)
    state = Progress(project, model, total=pending.count(), started=time.perf_counter())
    after = None
    while True:
        batch = pending.order_by("id")
        if after is not None:
            batch = batch.filter(id__gt=after)
        rows = list(batch.values_list("id", "hash", "text")[:batch_size])
        if not rows:
            break
        vectors = embeddings.embed_texts([text for _, _, text in rows])
        ids, hashes = [row[0] for row in rows], [row[1] for row in rows]
        literals = [vector_literal(vector) for vector in vectors]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_WRITE, [model, ids, hashes, literals, model])
        after = rows[-1][0]
        state.done += len(rows)
        if progress:
            progress(state)
    _finish(project, model)
    return state


def _finish(project: Project, model: str) -> None:
    """The project holds the configured model only, once no memory of another one is left."""
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if Memory.objects.filter(project=project).exclude(embedding_model=model).exists():
            return  # a memory changed under the run; the next run takes it
        locked.embedding_models = [model]
        locked.save(update_fields=["embedding_models"])
        project.embedding_models = [model]
    api_keys_changed()  # cached keys hold their project, with its models


def unused_indexes_drop() -> list[str]:
    """Drop the vector indexes of models no memory uses any more."""
    in_use = set(Memory.objects.values_list("embedding_model", flat=True).distinct())
    return drop_unused_vector_indexes(in_use | {embeddings.current_model()})
