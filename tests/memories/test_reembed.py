"""Changing the embedding model of a live project: `manage.py reembed`, on the real database.

The project starts on the local model; the configuration then moves to an OpenAI-compatible
endpoint (the fake server, whose vectors are a hash of the text: equal texts, equal vectors),
at 384 or at 1024 dimensions. Search must answer right before, during and after the change.
"""

from __future__ import annotations

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Q

from accounts.models import Project
from memories import embeddings
from memories.models import Memory
from memories.selectors.search import memory_search
from memories.selectors.search_dense import search_models
from memories.services.reembed import project_reembed
from memories.services.vector_indexes import index_name, vector_indexes
from tests.fakes.openai_server import fake_embedding, fake_openai  # noqa: F401

LOCAL = embeddings.current_model()
TEXTS = [
    "I love hiking in the Alps every summer",
    "My sister works as a nurse in Lyon",
    "我喜欢吃北京烤鸭",
    "Allergic to peanuts",
    "Plays the cello in an amateur orchestra",
    "今年夏天打算去云南旅行",
    "Has a golden retriever called Biscuit",
]


@pytest.fixture
def remote(settings, fake_openai):  # noqa: F811
    """Switch the configuration to the fake endpoint (after the memories were added)."""

    def switch(dim: int = 384) -> str:
        fake_openai.embedding_dim = dim
        settings.EMBEDDER = "openai"
        settings.EMBEDDING_MODEL = f"fake-embedding-{dim}"
        settings.EMBEDDING_DIM = dim
        settings.EMBEDDING_BASE_URL = fake_openai.base_url
        settings.EMBEDDING_API_KEY = "sk-test"
        embeddings.clear_query_cache()
        return embeddings.current_model()

    switch.server = fake_openai
    return switch


def project_of(alice) -> Project:
    return Project.objects.get(pk=alice.project.pk)


def models_of(project) -> dict[str, int]:
    rows = Memory.objects.filter(project=project).values_list("embedding_model", flat=True)
    return {model: list(rows).count(model) for model in set(rows)}


def test_a_write_records_its_model_on_the_memory_and_the_project(alice, add):
    add(*TEXTS[:2])

    assert models_of(alice.project) == {LOCAL: 2}
    assert project_of(alice).embedding_models == [LOCAL]
    assert index_name(LOCAL) in vector_indexes()


def test_reembed_interrupted_and_resumed_embeds_every_memory_once(alice, add, remote):
    add(*TEXTS)
    new = remote()
    project = project_of(alice)

    class Stop(Exception):
        pass

    def stop_after_two_batches(state):
        if state.done >= 4:
            raise Stop

    with pytest.raises(Stop):
        project_reembed(project=project, batch_size=2, progress=stop_after_two_batches)

    assert models_of(project) == {new: 4, LOCAL: 3}
    assert set(project_of(alice).embedding_models) == {LOCAL, new}
    assert search_models(project_of(alice)) == [new, LOCAL]

    state = project_reembed(project=project_of(alice), batch_size=2)

    assert state.total == state.done == 3
    assert models_of(project) == {new: len(TEXTS)}
    assert project_of(alice).embedding_models == [new]
    embedded = [text for r in remote.server.embedding_requests for text in r.json["input"]]
    assert sorted(embedded) == sorted(TEXTS)  # each memory once, with the new model
    for memory in Memory.objects.filter(project=project):
        expected = np.asarray(fake_embedding(memory.text))
        assert memory.embedding == pytest.approx(expected / np.linalg.norm(expected), abs=1e-6)


def test_search_is_right_while_a_project_holds_two_models(alice, add, remote):
    add(*TEXTS)
    new = remote()
    hiking = Memory.objects.get(project=alice.project, text=TEXTS[0])
    cello = Memory.objects.get(project=alice.project, text=TEXTS[4])
    # Half way: the cello memory is on the new model, the hiking one still on the local one.
    project_reembed(project=project_of(alice), batch_size=100, progress=None)
    Memory.objects.filter(pk=hiking.pk).update(
        embedding=embeddings.embed_texts([hiking.text], model=LOCAL)[0], embedding_model=LOCAL
    )
    Project.objects.filter(pk=alice.project.pk).update(embedding_models=[new, LOCAL])
    project = project_of(alice)
    where = Q(user_id="alice")

    for exact in (True, False):
        # Semantic only: a paraphrase of the local memory, compared with the local vector.
        [best, *_] = memory_search(
            project=project,
            query="hiking in the Alps in summer",
            where=where,
            exact=exact,
            weights=(1, 0),
        )
        assert best.memory.pk == hiking.pk and best.dense > 0.3
        # The new model's memory, by the new model's vector of the same text.
        [best, *_] = memory_search(
            project=project, query=cello.text, where=where, exact=exact, weights=(1, 0)
        )
        assert best.memory.pk == cello.pk and best.dense == pytest.approx(1.0, abs=1e-4)


def test_a_dimension_change_needs_no_migration(alice, add, remote):
    add(*TEXTS)
    new = remote(dim=1024)

    call_command("reembed", alice.project.public_id)

    assert models_of(alice.project) == {new: len(TEXTS)}
    assert {len(m.embedding) for m in Memory.objects.filter(project=alice.project)} == {1024}
    assert index_name(new) in vector_indexes()
    assert "vector(1024)" in vector_indexes()[index_name(new)]
    [best, *_] = memory_search(
        project=project_of(alice), query=TEXTS[2], where=Q(user_id="alice"), exact=False
    )
    assert best.memory.text == TEXTS[2]


def test_a_model_that_cannot_embed_here_leaves_its_memories_found_by_words(alice, add):
    add(*TEXTS)
    Memory.objects.filter(project=alice.project).update(embedding_model="openai:gone-model")
    Project.objects.filter(pk=alice.project.pk).update(embedding_models=["openai:gone-model"])

    hits = memory_search(project=project_of(alice), query="烤鸭", where=Q(user_id="alice"))

    assert hits[0].memory.text == TEXTS[2]  # the others only by their neighbours (context)
    assert {hit.dense for hit in hits} == {0.0}


def test_the_command_checks_its_arguments_and_reports(alice, add, remote, capsys):
    with pytest.raises(CommandError, match="--all"):
        call_command("reembed")
    with pytest.raises(CommandError, match="No project proj_nope"):
        call_command("reembed", "proj_nope")
    add(*TEXTS[:3])
    new = remote()

    call_command("reembed", "--all", "--batch-size", "2")

    err = capsys.readouterr().err
    assert f"{alice.project.public_id}: 3 memories re-embedded" in err
    assert f"dropped the unused vector index {index_name(LOCAL)}" in err
    assert models_of(alice.project) == {new: 3}
    call_command("reembed", "--all")  # nothing left: a no-op
    assert "re-embedding 0 project(s)" in capsys.readouterr().err


def test_the_wide_scope_search_walks_the_models_own_index(alice, add):
    add(*TEXTS)
    project = project_of(alice)
    from memories.selectors.memories import memories_of
    from memories.selectors.search_dense import nearest_of, query_vectors

    [vector] = query_vectors(project, "hiking")
    query = nearest_of(memories_of(project=project), vector, 10, exact=False)
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        # Seven rows: left alone, the planner may sort a bitmap scan's rows instead. With
        # neither a sequential scan nor a sort allowed, only an index that orders by this
        # model's distance can answer without a disabled node.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert index_name(LOCAL) in plan
