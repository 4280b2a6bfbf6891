from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import requests

# Memories stored through the API before each fuzzed operation, so that the get, update and
# delete paths sometimes meet ids that exist (tests/contract/test_fuzz_api.py swaps them in).
SEED_MEMORIES = (
    {"messages": "I like green tea", "user_id": "alice", "infer": False},
    {
        "messages": [{"role": "user", "content": "My flight to Lisbon is on Friday"}],
        "user_id": "alice",
        "agent_id": "travel-agent",
        "metadata": {"source": "fuzz"},
        "infer": False,
    },
    {"messages": "Allergic to peanuts", "user_id": "alice", "run_id": "run-1", "infer": False},
)


@dataclass
class FuzzTarget:
    """The live server, alice's tenant there, and the ids of what was seeded for her."""

    url: str
    tenant: object
    memory_ids: list[str] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.tenant.key}"}


@pytest.fixture
def fuzz_target(transactional_db, live_server) -> FuzzTarget:
    """alice's tenant, committed for the live server's threads, with a few memories added."""
    from tests.conftest import Tenant

    tenant = Tenant("alice@example.com", "OWNER")
    # Thousands of requests a minute: the per-key rate limit must not turn them into 429s.
    tenant.project.rate_limit_per_minute = 1_000_000
    tenant.project.save(update_fields=["rate_limit_per_minute"])
    target = FuzzTarget(url=live_server.url, tenant=tenant)
    for body in SEED_MEMORIES:
        response = requests.post(
            f"{target.url}/v3/memories/add/", json=body, headers=target.headers, timeout=60
        )
        assert response.status_code == 200, response.text
        payload = response.json()
        target.event_ids.append(payload["event_id"])
        target.memory_ids.extend(result["id"] for result in payload["results"])
    return target
