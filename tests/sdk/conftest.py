import os

import pytest

os.environ["MEM0_TELEMETRY"] = "false"  # before mem0 is imported: no calls to a third party


@pytest.fixture
def sdk_alice(transactional_db, live_server):
    """alice's tenant, committed so the live server's threads see it."""
    from tests.conftest import Tenant

    return Tenant("alice@example.com", "OWNER")


@pytest.fixture
def memory_client(sdk_alice, live_server):
    from mem0 import MemoryClient

    return MemoryClient(api_key=sdk_alice.key, host=live_server.url)
