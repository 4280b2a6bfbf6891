"""The OpenAI-compatible embedding provider of memories.embeddings (EMBEDDER=openai): any
`/embeddings` endpoint (EMBEDDING_BASE_URL, EMBEDDING_API_KEY, EMBEDDING_MODEL) through the
`openai` SDK, which is imported on first use only."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from memories.embeddings import (
    EmbeddingConfigError,
    EmbeddingError,
    EmbeddingUnavailable,
    _Counter,
    _normalise,
)

if TYPE_CHECKING:
    from memories.embeddings import _Config

OPENAI_BATCH_SIZE = 256  # well under OpenAI's 2048 inputs per request
OPENAI_TIMEOUT_SECONDS = 30.0
OPENAI_MAX_RETRIES = 2


class OpenAIProvider:
    def __init__(self, config: _Config) -> None:
        if not config.model:
            raise EmbeddingConfigError("EMBEDDER=openai needs EMBEDDING_MODEL")
        self.config = config
        self.texts_embedded = _Counter()
        self._client = None
        self._client_lock = threading.Lock()

    def embed(self, texts: list[str], *, query: bool) -> list[list[float]]:
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
