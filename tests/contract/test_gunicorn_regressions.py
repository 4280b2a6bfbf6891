"""Requests that gunicorn answers itself, or whose connection it handles after Django answered,
against a real gunicorn (config/gunicorn.py, config/gunicorn_errors.py): JSON with a `detail`,
never HTML, and no connection reset after a refused body."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys

import pytest

from config.local_services import free_port
from tests.conftest import REPO_ROOT, Tenant, repo_env, stop_process, wait_until

MAX_REQUEST_BYTES = 300_000


@pytest.fixture(scope="module")
def gunicorn_port(django_db_setup, django_db_blocker):
    port = free_port()
    env = repo_env(
        ENGRAM_USE_TEST_DATABASE="1",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        WARM_EMBEDDINGS="false",
        MAX_REQUEST_BYTES=str(MAX_REQUEST_BYTES),
    )
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "python:config.gunicorn"]
    server = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_until(lambda: get(port, "/v1/ping/")[0] == 401, seconds=60, what="gunicorn")
    yield port
    stop_process(server)


def get(port: int, target: str, headers: dict | None = None) -> tuple[int, str, bytes]:
    """(status, Content-Type, body) of one GET; (0, "", b"") while nothing listens."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", target, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    except ConnectionRefusedError:
        return 0, "", b""
    finally:
        connection.close()


def raw(port: int, request: bytes) -> bytes:
    """The server's whole answer to bytes http.client would refuse to send."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def assert_json_detail(status: int, content_type: str, body: bytes, expected: int) -> str:
    assert (status, content_type) == (expected, "application/json"), body[:300]
    detail = json.loads(body)["detail"]
    assert isinstance(detail, str)
    return detail


def test_it_answers_a_100k_query_string_with_a_json_414(gunicorn_port):
    answer = get(gunicorn_port, "/v1/memories/?user_id=" + "a" * 100_000)

    detail = assert_json_detail(*answer, expected=414)
    assert detail.startswith("Request line too long") and "POST /v2/memories/" in detail


def test_it_passes_a_query_string_under_8k_to_the_api(gunicorn_port):
    status, _, body = get(gunicorn_port, "/v1/memories/?user_id=" + "a" * 7000)

    assert status == 401 and b"detail" in body  # Django answered: no key was sent


def test_it_answers_a_nul_in_a_header_with_a_json_400(gunicorn_port):
    answer = raw(gunicorn_port, b"GET /v1/ping/ HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n")

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ") and b"Content-Type: application/json" in head
    assert json.loads(body)["detail"].startswith("Bad Request: Invalid HTTP Header")


@pytest.mark.parametrize("size", [MAX_REQUEST_BYTES + 1, 1_000_000])
def test_it_answers_a_refused_body_with_a_json_413_and_closes_the_connection(
    gunicorn_port, transactional_db, size
):
    alice = Tenant("alice@example.com", "OWNER")
    connection = http.client.HTTPConnection("127.0.0.1", gunicorn_port, timeout=10)
    headers = {"Authorization": f"Token {alice.key}", "Content-Type": "application/json"}
    body = json.dumps({"messages": "x" * size, "user_id": "a", "infer": False})

    connection.request("POST", "/v3/memories/add/", body=body, headers=headers)
    response = connection.getresponse()
    refused = (response.status, response.getheader("Content-Type"), response.read())
    closing = response.getheader("Connection")
    connection.request("GET", "/v1/ping/", headers=headers)  # http.client reconnects on close
    after = connection.getresponse()

    assert "too large" in assert_json_detail(*refused, expected=413)
    assert closing == "close"
    assert after.status == 200


@pytest.mark.parametrize("key", ["eg_wrong_key", None])
def test_it_keeps_the_connection_after_an_error_that_left_a_large_body_unread(
    gunicorn_port, transactional_db, key
):
    alice = Tenant("alice@example.com", "OWNER")
    connection = http.client.HTTPConnection("127.0.0.1", gunicorn_port, timeout=10)
    messages = "我喜欢印度菜" * 15_000  # 270 KB of UTF-8: under the limit, over gunicorn's 64 KB
    body = json.dumps({"messages": messages, "user_id": "a"}, ensure_ascii=False).encode()
    headers = {"Authorization": f"Token {key}"} if key else {}

    connection.request("POST", "/v3/memories/add/", body=body, headers=headers)
    refused = connection.getresponse()
    refused.read()
    sock = connection.sock
    connection.request("GET", "/v1/ping/", headers={"Authorization": f"Token {alice.key}"})
    after = connection.getresponse()

    assert refused.status == 401 and refused.getheader("Connection") != "close"
    assert after.status == 200 and connection.sock is sock  # the same connection, kept alive
