"""A small, real OpenAI-compatible HTTP server for tests (stdlib only, 127.0.0.1, free port).

It speaks enough of the API for the `openai` SDK:

- `POST /v1/embeddings`: deterministic vectors derived from a hash of each text (equal texts,
  equal vectors; see `fake_embedding`), of `embedding_dim` floats (or the request's
  `dimensions`), deliberately not normalised; `encoding_format` float or base64.
- `POST /v1/chat/completions`: the content comes from, in order, the queue filled by
  `queue_chat_replies`, else the responder set by `set_chat_responder` (a string, or a
  callable `responder(request_json) -> str | dict | list`; dicts and lists are sent as JSON
  text, which is what `response_format={"type": "json_object"}` callers parse).
  `"stream": true` gets the content as one server-sent-events chunk.
- `GET /v1/models`.

Every request is recorded in `.requests` (path, parsed JSON body, lower-cased headers).
`fail_next` makes the next requests answer with an error status (with `retry-after-ms: 1`, so
the SDK's retries do not slow the tests down); `required_api_key` makes a wrong bearer token
answer 401.

Use the `fake_openai` fixture (register it in tests/conftest.py, or import it into a test
module), or `with FakeOpenAIServer() as server:`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

ChatReply = str | dict | list
ChatResponder = Callable[[dict[str, Any]], ChatReply]

DEFAULT_EMBEDDING_DIM = 384
DEFAULT_CHAT_REPLY = '{"facts": []}'


def fake_embedding(text: str, dim: int = DEFAULT_EMBEDDING_DIM) -> list[float]:
    """The server's vector for `text`: a function of the text only, not normalised."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    rng = random.Random(seed)
    return [rng.uniform(-2.0, 2.0) for _ in range(dim)]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    json: Any
    headers: dict[str, str]  # names lower-cased: HTTP header names are case-insensitive


class FakeOpenAIServer:
    def __init__(self, *, embedding_dim: int = DEFAULT_EMBEDDING_DIM) -> None:
        self.embedding_dim = embedding_dim
        self.required_api_key: str | None = None
        self.requests: list[RecordedRequest] = []
        self._responder: ChatResponder = lambda request: DEFAULT_CHAT_REPLY
        self._replies: deque[ChatReply] = deque()
        self._failures: deque[int] = deque()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """What to pass as the SDK's base_url (EMBEDDING_BASE_URL, LLM_BASE_URL)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAIServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- scripting ---------------------------------------------------------------------------

    def set_chat_responder(self, responder: ChatReply | ChatResponder) -> None:
        """Answer chat completions with a fixed reply or `responder(request_json)`."""
        self._responder = responder if callable(responder) else (lambda request: responder)

    def queue_chat_replies(self, *replies: ChatReply) -> None:
        """Answer the next chat completions with these, in order, before the responder."""
        with self._lock:
            self._replies.extend(replies)

    def fail_next(self, status: int = 500, *, times: int = 1) -> None:
        """Answer the next `times` requests (any endpoint) with an error `status`."""
        with self._lock:
            self._failures.extend([status] * times)

    def requests_to(self, endpoint: str) -> list[RecordedRequest]:
        """The recorded requests whose path ends with `endpoint` ("embeddings", ...)."""
        return [r for r in self.requests if r.path.rstrip("/").endswith(endpoint)]

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return self.requests_to("chat/completions")

    @property
    def embedding_requests(self) -> list[RecordedRequest]:
        return self.requests_to("embeddings")

    # -- answers (called from the server's threads) ------------------------------------------

    def _next_failure(self) -> int | None:
        with self._lock:
            return self._failures.popleft() if self._failures else None

    def _chat_content(self, request: dict[str, Any]) -> str:
        with self._lock:
            reply = self._replies.popleft() if self._replies else None
        if reply is None:
            reply = self._responder(request)
        return reply if isinstance(reply, str) else json.dumps(reply)

    def embeddings_body(self, request: dict[str, Any]) -> dict[str, Any]:
        texts = request["input"]
        texts = [texts] if isinstance(texts, str) else texts
        dim = request.get("dimensions") or self.embedding_dim
        as_base64 = request.get("encoding_format") == "base64"
        data = []
        for index, text in enumerate(texts):
            vector = fake_embedding(text, dim)
            if as_base64:
                vector = base64.b64encode(struct.pack(f"<{dim}f", *vector)).decode()
            data.append({"object": "embedding", "index": index, "embedding": vector})
        tokens = sum(len(text.split()) for text in texts)
        return {
            "object": "list",
            "data": data,
            "model": request.get("model", "fake-embedding"),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    def chat_body(self, request: dict[str, Any], content: str) -> dict[str, Any]:
        return {
            "id": f"chatcmpl-fake-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model", "fake-chat"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }


def _handler_for(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's httpx client expects

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep pytest output clean

        def do_GET(self) -> None:
            self._record(None)
            if self._refused():
                return
            if self.path.rstrip("/") == "/v1/models":
                models = [{"id": m, "object": "model", "owned_by": "fake"} for m in ("fake",)]
                self._send_json(200, {"object": "list", "data": models})
            else:
                self._send_error(404, f"no route for GET {self.path}")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                body = None
            self._record(body)
            if self._refused():
                return
            if not isinstance(body, dict):
                self._send_error(400, "the body must be a JSON object")
            elif self.path == "/v1/embeddings":
                self._send_json(200, server.embeddings_body(body))
            elif self.path == "/v1/chat/completions":
                self._chat(body)
            else:
                self._send_error(404, f"no route for POST {self.path}")

        def _chat(self, body: dict[str, Any]) -> None:
            content = server._chat_content(body)
            if not body.get("stream"):
                self._send_json(200, server.chat_body(body, content))
                return
            chunk = server.chat_body(body, content)
            chunk["object"] = "chat.completion.chunk"
            chunk["choices"][0]["delta"] = chunk["choices"][0].pop("message")
            payload = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()
            self._send(200, payload, "text/event-stream")

        def _record(self, body: Any) -> None:
            headers = {name.lower(): value for name, value in self.headers.items()}
            recorded = RecordedRequest(self.command, self.path, body, headers)
            with server._lock:
                server.requests.append(recorded)

        def _refused(self) -> bool:
            """Answer a scripted failure or a wrong key; True when a reply was sent."""
            status = server._next_failure()
            if status is not None:
                self._send_error(status, f"scripted failure {status}")
                return True
            expected = server.required_api_key
            if expected and self.headers.get("Authorization") != f"Bearer {expected}":
                self._send_error(401, "Incorrect API key provided")
                return True
            return False

        def _send_error(self, status: int, message: str) -> None:
            error = {"message": message, "type": "fake_error", "param": None, "code": status}
            self._send_json(status, {"error": error})

        def _send_json(self, status: int, body: Any) -> None:
            self._send(status, json.dumps(body).encode(), "application/json")

        def _send(self, status: int, payload: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            # The SDK honours this on 429/5xx, so scripted failures retry at once.
            self.send_header("retry-after-ms", "1")
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAIServer]:
    """A running fake OpenAI-compatible server, stopped after the test."""
    with FakeOpenAIServer() as server:
        yield server
