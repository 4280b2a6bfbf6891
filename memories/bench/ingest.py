"""`manage.py bench ingest`: how fast an async add is accepted through the SDK, and what the
pipeline costs per event beyond the LLM (measured with the offline extractor, in process)."""

from __future__ import annotations

import random
import time
import uuid

from django.db import transaction
from django.test import override_settings

from memories import embeddings
from memories.bench.loading import NAMES, OBJECTS, QUALIFIERS
from memories.bench.search import (
    _client,
    _ms_since,
    bench_key,
    bench_project,
    live_server,
    percentiles,
)
from memories.models import Memory
from memories.services.extraction import extraction_run
from memories.services.memories import embedded_with, text_hash

TEMPLATES = [
    "I love {thing} {when}.",
    "I live in {city} and I work at {company} as a {job}.",
    "My name is {name} and I'm allergic to peanuts.",
    "I'm vegetarian and I hate {thing}.",
    "We're going to {city} in June with the kids.",
]
CITIES = ["Lisbon", "Berlin", "Austin", "Osaka", "Nairobi", "Lima", "Oslo", "Denver"]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella"]
JOBS = ["nurse", "teacher", "software engineer", "pilot"]


def message(rng: random.Random) -> str:
    return rng.choice(TEMPLATES).format(
        thing=rng.choice(OBJECTS),
        when=rng.choice(QUALIFIERS),
        city=rng.choice(CITIES),
        company=rng.choice(COMPANIES),
        job=rng.choice(JOBS),
        name=rng.choice(NAMES),
    )


def run(*, adds: int, users: int, progress, memories: int = 0) -> dict:
    """With `memories`, add into `bench search`'s project of that size (loaded if missing), so
    the cost of index maintenance on a big table is in the figures."""
    if memories:
        project, key, _ = bench_project(memories, users, progress, pool_size=20_000, reload=False)
    else:
        project, key = bench_key("bench-ingest")
    rng = random.Random(3)
    run_id = uuid.uuid4().hex[:8]
    embeddings.embed_query("warm up")
    with live_server(progress) as url:
        client = _client(url, key)
        client.add("warm up", user_id="user-0")
        progress(f"measuring {adds} async adds through the SDK...")
        samples, event_ids = [], []
        for i in range(adds):
            started = time.perf_counter()
            answer = client.add(message(rng), user_id=f"user-{i % users}")
            samples.append(_ms_since(started))
            event_ids.append(answer["event_id"])
        progress(f"measuring {adds} verbatim adds (infer=False: embedded, stored, indexed)...")
        verbatim = []
        for i in range(adds):
            started = time.perf_counter()
            # A fresh text each run: a text the user already has is not stored again.
            text = f"{message(rng)} (bench {run_id} {i})"
            client.add(text, user_id=f"user-{i % users}", infer=False)
            verbatim.append(_ms_since(started))
    progress("measuring the pipeline per event (offline extractor, in process)...")
    with override_settings(LLM_BASE_URL="", LLM_API_KEY="", LLM_MODEL=""):
        pipeline = []
        for event_id in event_ids:
            started = time.perf_counter()
            extraction_run(event_id=event_id)
            pipeline.append(_ms_since(started))
    progress("measuring the write of one memory with its indexes (in process)...")
    return {
        "adds": adds,
        "users": users,
        "memories": project.memories.count(),
        "accept": percentiles(samples),
        "verbatim": percentiles(verbatim),
        "pipeline": percentiles(pipeline),
        "index_write": measure_index_write(project, adds, users, rng, run_id),
    }


def measure_index_write(project, adds: int, users: int, rng, run_id: str) -> dict:
    """The indexing cost of adding a memory at this size: one INSERT (heap, HNSW, GIN and
    btree entries) and its commit, the vector computed beforehand."""
    texts = [f"{message(rng)} (index {run_id} {i})" for i in range(adds)]
    vectors = embeddings.embed_texts(texts)
    samples = []
    for i, (text, vector) in enumerate(zip(texts, vectors, strict=True)):
        memory = Memory(
            project=project,
            text=text,
            hash=text_hash(text),
            embedding=vector,
            embedding_model=embedded_with(project),
            user_id=f"user-{i % users}",
        )
        started = time.perf_counter()
        with transaction.atomic():
            Memory.objects.bulk_create([memory])
        samples.append(_ms_since(started))
    return percentiles(samples)
