"""The real `mem0ai` 2.2.1 Python SDK's webhook methods against a live Engram."""

from __future__ import annotations

import os

import pytest

from memories.models_webhooks import Webhook
from tests.memories.test_webhooks_support import use_fake_dns

os.environ["MEM0_TELEMETRY"] = "false"  # before mem0 is imported: no calls to a third party

pytestmark = pytest.mark.django_db(transaction=True)

URL = "https://hooks.example.com/engram"


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch):
    return use_fake_dns(monkeypatch)


@pytest.fixture
def tenant(transactional_db, live_server):
    from tests.conftest import Tenant

    return Tenant("alice@example.com", "OWNER")


def sdk_client(tenant, live_server):
    from mem0 import MemoryClient

    return MemoryClient(api_key=tenant.key, host=live_server.url)


def test_it_creates_lists_updates_and_deletes(tenant, live_server):
    client = sdk_client(tenant, live_server)
    project_id = tenant.project.public_id

    created = client.create_webhook(URL, "Logger", project_id, ["memory_add"])
    listed = client.get_webhooks(project_id)
    updated = client.update_webhook(
        created["webhook_id"], name="Renamed", event_types=["memory_add", "memory_delete"]
    )
    webhook = Webhook.objects.get(webhook_id=created["webhook_id"])
    deleted = client.delete_webhook(created["webhook_id"])

    assert created["secret"].startswith("whsec_")
    assert [item["webhook_id"] for item in listed] == [created["webhook_id"]]
    assert "secret" not in listed[0]
    assert updated == {"message": "Webhook updated successfully"}
    assert (webhook.name, webhook.event_types) == ("Renamed", ["memory_add", "memory_delete"])
    assert deleted == {"message": "Webhook deleted successfully"}
    assert not Webhook.objects.exists()


def test_it_creates_a_loopback_webhook_when_private_addresses_are_allowed(
    tenant, live_server, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    client = sdk_client(tenant, live_server)

    created = client.create_webhook(
        "http://127.0.0.1:8999/hook", "local", tenant.project.public_id, ["memory_update"]
    )

    assert created["url"] == "http://127.0.0.1:8999/hook"


def test_a_hostile_url_raises_validation_error_with_the_reason(tenant, live_server):
    from mem0.exceptions import ValidationError

    client = sdk_client(tenant, live_server)

    with pytest.raises(ValidationError, match="Webhook URL refused"):
        client.create_webhook(
            "http://169.254.169.254/latest/", "x", tenant.project.public_id, ["memory_add"]
        )


def test_another_tenant_cannot_see_or_touch_the_webhooks(tenant, live_server):
    from mem0.exceptions import MemoryNotFoundError

    from tests.conftest import Tenant

    owner = sdk_client(tenant, live_server)
    created = owner.create_webhook(URL, "Logger", tenant.project.public_id, ["memory_add"])
    outsider = sdk_client(Tenant("charlie@example.com", "OWNER"), live_server)

    with pytest.raises(MemoryNotFoundError):
        outsider.get_webhooks(tenant.project.public_id)
    with pytest.raises(MemoryNotFoundError):
        outsider.delete_webhook(created["webhook_id"])
    assert Webhook.objects.count() == 1
