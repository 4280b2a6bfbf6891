"""Concurrent requests sharing an Idempotency-Key, through a live threaded server: every one of
them answers 200 with the first event, and only one event exists (issue 15, item 5)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from memories.models import Event
from tests.conftest import Tenant
from tests.memories.test_jobs_exports import remember

pytestmark = pytest.mark.django_db(transaction=True)
CLIENTS = 16


def post_all(url: str, key: str, body: dict, idempotency_key: str) -> list[httpx.Response]:
    headers = {"Authorization": f"Token {key}", "Idempotency-Key": idempotency_key}

    def post(_):
        return httpx.post(url, json=body, headers=headers, timeout=30)

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(post, range(CLIENTS * 2)))


@pytest.fixture
def owner(live_server):
    return Tenant("alice@example.com", "OWNER")


def test_it_gives_concurrent_adds_with_one_key_the_first_event(live_server, owner):
    body = {"messages": [{"role": "user", "content": "我喜欢印度菜"}], "user_id": "alice"}
    answers = post_all(f"{live_server.url}/v3/memories/add/", owner.key, body, "add-once")
    assert [a.status_code for a in answers] == [200] * len(answers)
    assert len({a.json()["event_id"] for a in answers}) == 1
    assert Event.objects.filter(project=owner.project, event_type="ADD").count() == 1


def test_it_gives_concurrent_profile_jobs_with_one_key_the_first_job(live_server, owner):
    remember(owner, "对奶酪过敏", "health")
    body = {"operation": "trigger", "entity_type": "user", "entity_id": "alice"}
    answers = post_all(f"{live_server.url}/v2/profiles/jobs/", owner.key, body, "job-once")
    assert {a.status_code for a in answers} <= {200, 201, 202}, [a.text for a in answers][:3]
    assert len({a.json()["job_id"] for a in answers}) == 1
    assert Event.objects.filter(project=owner.project, event_type="PROFILE_JOB").count() == 1
