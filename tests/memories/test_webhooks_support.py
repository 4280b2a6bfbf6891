"""Helpers of the webhook tests (no tests here): fake DNS and a verifying receiver on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Host names the tests use; anything else "does not resolve", so no test ever queries DNS.
FAKE_DNS: dict[str, list[str]] = {
    "hooks.example.com": ["93.184.215.14"],
    "internal.example.com": ["10.0.0.7"],
    "mixed.example.com": ["93.184.215.14", "192.168.1.20"],
    "localhost": ["127.0.0.1"],
}


def use_fake_dns(monkeypatch) -> dict[str, list[str]]:
    """Replace the resolver of ssrf.py; returns the table, which a test may change (rebinding)."""
    from memories.webhooks import ssrf

    table = {name: list(addresses) for name, addresses in FAKE_DNS.items()}

    def resolve(host: str, port: int) -> list:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ipaddress.ip_address(address) for address in table[host]]

    monkeypatch.setattr(ssrf, "resolve", resolve)
    return table


def signature_is_valid(*, secret: str, headers, body: bytes, tolerance: int = 300) -> bool:
    """Standard Webhooks verification, written independently of memories.webhooks.signing."""
    message_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    key = base64.b64decode(secret.split("_", 1)[1])
    expected = base64.b64encode(
        hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    ).decode()
    sent = [part.split(",", 1) for part in headers["webhook-signature"].split(" ")]
    return any(version == "v1" and hmac.compare_digest(value, expected) for version, value in sent)


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that checks signatures and records what it accepted.

    `script(body, attempt)` gives the status to answer (attempt counts from 1 per webhook-id).
    """

    def __init__(self, script: Callable[[dict, int], int] | None = None):
        self.secret = ""
        self.script = script or (lambda body, attempt: 200)
        self.requests: list[dict] = []  # every request: headers, body, status answered
        self.accepted: list[dict] = []  # bodies answered with 2xx, in arrival order
        self.bad_signatures = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def message_ids(self) -> list[str]:
        return [request["headers"]["webhook-id"] for request in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handle(self, headers: dict, raw: bytes) -> int:
        with self._lock:
            if not signature_is_valid(secret=self.secret, headers=headers, body=raw):
                self.bad_signatures += 1
                status = 401
            else:
                body = json.loads(raw)
                attempt = 1 + self.message_ids().count(headers["webhook-id"])
                status = self.script(body, attempt)
                if 200 <= status < 300:
                    self.accepted.append(body)
            self.requests.append({"headers": headers, "body": raw, "status": status})
            return status

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                status = receiver._handle(headers, raw)
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("location", "http://127.0.0.1:9/elsewhere")
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler
