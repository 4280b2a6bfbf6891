"""Issue 15's target, on a whole Engram of its own (tests/reliability/stack.py): conversations
added by concurrent clients while Redis is crashed five times, the worker SIGKILLed twice and
PostgreSQL restarted once. Every client answer is a 2xx or a JSON 503; every conversation ends
SUCCEEDED exactly once with its memory stored once; the worker, web and beat still run."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import wait_until
from tests.reliability.stack import Stack

pytestmark = pytest.mark.slow
CLIENTS = 4
CONVERSATIONS = 120  # half English, half Chinese
FAULTS = ["redis", "worker", "redis", "postgres", "redis", "worker", "redis", "redis"]
FAULT_EVERY_SECONDS = 2.5


@pytest.fixture
def stack(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDED_PG_SHARED_BUFFERS_MB", "128")
    stack = Stack(
        tmp_path,
        EMBEDDED_PG_SHARED_BUFFERS_MB="128",
        WEB_CONCURRENCY="2",
        EXTRACTION_LEASE_SECONDS="10",
        EXTRACTION_REQUEUE_AFTER_SECONDS="5",
        EVENTS_REQUEUE_INTERVAL_SECONDS="3",
    )
    try:
        stack.key = stack.start()
        yield stack
    finally:
        stack.stop()


def conversation(i: int) -> dict:
    text = f"My name is Person{i}." if i % 2 == 0 else f"我叫小明{i}，我住在成都。"  # noqa: RUF001
    return {"messages": [{"role": "user", "content": text}], "user_id": f"user-{i}"}


class Clients:
    """Adds every conversation once, as an SDK user with retries would: the same
    Idempotency-Key again after a 503 or a dropped connection."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.answers: list[tuple[int, str]] = []  # (status, content type) of every answer
        self.lock = threading.Lock()

    def run(self) -> None:
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(self.add, range(CONVERSATIONS)))

    def add(self, i: int) -> None:
        headers = {"Authorization": f"Token {self.stack.key}", "Idempotency-Key": f"conv-{i}"}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                answer = httpx.post(
                    f"{self.stack.url}/v3/memories/add/",
                    json=conversation(i),
                    headers=headers,
                    timeout=30,
                )
            except httpx.TransportError:
                self.record(0, "")
            else:
                self.record(answer.status_code, answer.headers.get("content-type", ""))
                if answer.status_code == 200:
                    break
            time.sleep(0.5)
        time.sleep(0.7)  # the next turn of the conversation comes a moment later

    def record(self, status: int, content_type: str) -> None:
        with self.lock:
            self.answers.append((status, content_type))


def inflict(stack: Stack, fault: str) -> None:
    if fault == "redis":
        stack.redis_restart()
    elif fault == "worker":
        stack.worker_kill()
    else:
        stack.postgres_restart()


def test_nothing_is_lost_or_duplicated_through_redis_worker_and_postgres_faults(stack):
    clients = Clients(stack)
    load = threading.Thread(target=clients.run)
    load.start()
    under_load = 0
    for fault in FAULTS:
        time.sleep(FAULT_EVERY_SECONDS)
        inflict(stack, fault)
        under_load += load.is_alive()
    load.join(300)

    def settled() -> bool:
        rows = stack.query("SELECT status, count(*) FROM memories_event GROUP BY status")
        return dict(rows) == {"SUCCEEDED": CONVERSATIONS}

    wait_until(settled, seconds=180, interval=1, what="every conversation SUCCEEDED")
    keys = stack.query("SELECT idempotency_key FROM memories_event WHERE event_type = 'ADD'")
    assert sorted(k for (k,) in keys) == sorted(f"conv-{i}" for i in range(CONVERSATIONS))
    memories = stack.query("SELECT user_id, text FROM memories_memory WHERE state = 'active'")
    english = [(u, t) for u, t in memories if int(u.split("-")[1]) % 2 == 0]
    expected = {(f"user-{i}", f"Name is Person{i}") for i in range(0, CONVERSATIONS, 2)}
    assert sorted(english) == sorted(expected)  # each stored once
    assert len(memories) == len(set(memories))
    statuses = {status for status, _ in clients.answers}
    assert statuses <= {200, 503}, clients.answers
    assert all("json" in ctype for status, ctype in clients.answers if status == 503)
    assert all(stack.alive(name) for name in ("web", "worker", "beat"))
    assert under_load >= len(FAULTS) - 2  # the faults hit a running load
    assert stack.log("worker").count("starting it again") == 2  # the two kills, nothing else


def test_the_request_log_keeps_flowing_after_a_poison_request(stack):
    """A NUL in a path once stopped every flush (issue 15, item 2); beat flushes every 5 s."""
    poison = httpx.get(f"{stack.url}/v1/memories/%00/")
    assert poison.status_code == 401 and "detail" in poison.json()
    sent = time.monotonic()
    normal = httpx.get(f"{stack.url}/v1/ping/", headers={"Authorization": f"Token {stack.key}"})
    assert normal.status_code == 200

    def logged() -> bool:
        rows = stack.query("SELECT path FROM accounts_requestlog WHERE path = '/v1/ping/'")
        return bool(rows)

    wait_until(logged, seconds=10, interval=0.2, what="the ping in the request log")
    assert time.monotonic() - sent < 10
