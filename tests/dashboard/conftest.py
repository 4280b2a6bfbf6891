from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse


def overview_url(tenant) -> str:
    return reverse(
        "dashboard:overview",
        kwargs={"org_id": tenant.organization.public_id, "project_id": tenant.project.public_id},
    )


@pytest.fixture
def htmx():
    """Headers of a request made by htmx."""
    return {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alice_client(alice) -> Client:
    client = Client()
    client.force_login(alice.user)
    return client


@pytest.fixture
def bob_client(bob) -> Client:
    client = Client()
    client.force_login(bob.user)
    return client


@pytest.fixture
def charlie_client(charlie) -> Client:
    client = Client()
    client.force_login(charlie.user)
    return client
