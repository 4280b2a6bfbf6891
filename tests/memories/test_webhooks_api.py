"""/api/v1/webhooks/... (API-CONTRACT §5.17): CRUD, the access trio, validation, SSRF."""

from __future__ import annotations

import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from memories.models_webhooks import Webhook
from memories.webhooks.services import webhook_create
from tests.memories.test_webhooks_support import use_fake_dns

URL = "https://hooks.example.com/engram"
BODY = {"url": URL, "name": "Memory Logger", "event_types": ["memory_add"]}
WEBHOOK_KEYS = {
    "webhook_id",
    "name",
    "url",
    "owner",
    "event_types",
    "project",
    "is_active",
    "created_at",
    "updated_at",
}
NOT_FOUND = {"detail": "Webhook not found", "error": "Webhook not found"}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch):
    return use_fake_dns(monkeypatch)


@pytest.fixture
def webhook(alice):
    return webhook_create(
        project=alice.project,
        name="Logger",
        url=URL,
        event_types=["memory_add", "memory_delete"],
        created_by=alice.api_key,
    )


def list_url(tenant) -> str:
    return f"/api/v1/webhooks/projects/{tenant.project.public_id}/"


def detail_url(webhook) -> str:
    return f"/api/v1/webhooks/{webhook.webhook_id}/"


# --- create ----------------------------------------------------------------------------------


def test_it_creates_a_webhook_and_shows_the_secret_once(alice):
    response = alice.client().post(list_url(alice), BODY, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == WEBHOOK_KEYS | {"secret"}
    webhook = Webhook.objects.get(webhook_id=body["webhook_id"])
    assert body["webhook_id"].startswith("wh_")
    assert body["secret"] == webhook.secret
    assert len(base64.b64decode(body["secret"].removeprefix("whsec_"))) >= 24
    assert (webhook.project, webhook.created_by) == (alice.project, alice.api_key)


def test_the_created_object_has_the_contract_values(alice):
    body = alice.client().post(list_url(alice), {**BODY, "is_active": False}, format="json").json()

    assert body["name"] == "Memory Logger"
    assert body["url"] == URL
    assert body["event_types"] == ["memory_add"]
    assert body["project"] == alice.project.name
    assert body["owner"] == alice.user.username
    assert body["is_active"] is False


def test_it_accepts_every_contract_event_type(alice):
    types = [
        "memory_add",
        "memory_update",
        "memory_delete",
        "memory_categorize",
        "ingest_job_completed",
        "ingest_job_partially_completed",
        "ingest_job_failed",
        "ingest_job_cancelled",
    ]
    response = alice.client().post(list_url(alice), {**BODY, "event_types": types}, format="json")

    assert response.status_code == 201
    assert response.json()["event_types"] == types


@pytest.mark.parametrize("field", ["url", "name", "event_types"])
def test_create_requires_each_field(alice, field):
    body = {key: value for key, value in BODY.items() if key != field}

    response = alice.client().post(list_url(alice), body, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == f"{field}: This field is required."
    assert response.json()[field] == ["This field is required."]


def test_it_refuses_an_unknown_event_type(alice):
    body = {**BODY, "event_types": ["memory_add", "memory_explode"]}

    response = alice.client().post(list_url(alice), body, format="json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Unknown event type 'memory_explode': use one of")
    assert not Webhook.objects.exists()


def test_it_refuses_an_empty_event_type_list(alice):
    response = alice.client().post(list_url(alice), {**BODY, "event_types": []}, format="json")

    assert response.status_code == 400
    assert "event_types" in response.json()["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://hooks.example.com/x",
        "http://127.0.0.1:8000/",
        "http://[::1]/",
        "http://0.0.0.0/",
        "http://2130706433/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://internal.example.com/",
    ],
)
def test_it_refuses_hostile_urls_with_400(alice, url):
    response = alice.client().post(list_url(alice), {**BODY, "url": url}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Webhook URL refused: ")
    assert not Webhook.objects.exists()


def test_allow_private_accepts_a_loopback_receiver(alice, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    body = {**BODY, "url": "http://127.0.0.1:8999/hook"}

    assert alice.client().post(list_url(alice), body, format="json").status_code == 201


# --- list ------------------------------------------------------------------------------------


def test_it_lists_the_project_webhooks_as_an_array_without_secrets(alice, webhook):
    response = alice.client().get(list_url(alice))

    assert response.status_code == 200
    [item] = response.json()
    assert set(item) == WEBHOOK_KEYS
    assert item["webhook_id"] == webhook.webhook_id
    assert item["event_types"] == ["memory_add", "memory_delete"]


def test_the_list_is_empty_for_a_new_project(alice):
    assert alice.client().get(list_url(alice)).json() == []


def test_the_list_makes_the_same_queries_for_one_or_many_webhooks(alice, webhook):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert alice.client().get(list_url(alice)).status_code == 200
        return len(queries)

    count()  # the first request of a key also records its last use
    one = count()
    for name in ("b", "c", "d"):
        webhook_create(project=alice.project, name=name, url=URL, event_types=["memory_add"])

    assert count() == one


# --- update and delete -----------------------------------------------------------------------


def test_it_updates_any_subset_of_fields(alice, webhook):
    body = {"name": "Renamed", "event_types": ["memory_update"], "is_active": False}

    response = alice.client().put(detail_url(webhook), body, format="json")

    assert response.status_code == 200
    assert response.json() == {"message": "Webhook updated successfully"}
    webhook.refresh_from_db()
    assert (webhook.name, webhook.event_types, webhook.is_active, webhook.url) == (
        "Renamed",
        ["memory_update"],
        False,
        URL,
    )


def test_update_ignores_the_project_ids_js_sends(alice, webhook):
    body = {"url": "https://hooks.example.com/v2", "projectId": "proj_other"}
    body["project_id"] = alice.project.public_id

    response = alice.client().put(detail_url(webhook), body, format="json")

    assert response.status_code == 200
    webhook.refresh_from_db()
    assert (webhook.url, webhook.project) == ("https://hooks.example.com/v2", alice.project)


def test_update_refuses_a_hostile_url_and_keeps_the_old_one(alice, webhook):
    body = {"url": "http://169.254.169.254/"}

    response = alice.client().put(detail_url(webhook), body, format="json")

    assert response.status_code == 400
    assert "link-local" in response.json()["detail"]
    webhook.refresh_from_db()
    assert webhook.url == URL


def test_update_refuses_an_unknown_event_type(alice, webhook):
    response = alice.client().put(detail_url(webhook), {"event_types": ["x"]}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Unknown event type 'x'")


def test_it_deletes_a_webhook(alice, webhook):
    response = alice.client().delete(detail_url(webhook))

    assert response.status_code == 200
    assert response.json() == {"message": "Webhook deleted successfully"}
    assert not Webhook.objects.exists()


def test_an_unknown_webhook_is_404(alice):
    response = alice.client().put("/api/v1/webhooks/wh_nope/", {"name": "x"}, format="json")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_a_numeric_webhook_id_as_the_python_sdk_types_it_is_404(alice):
    assert alice.client().delete("/api/v1/webhooks/123/").json() == NOT_FOUND


# --- access: reader, outsider, no key ---------------------------------------------------------


def test_a_reader_may_list(bob, webhook):
    assert bob.client().get(list_url(bob)).status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_a_reader_may_not_write(bob, webhook, method):
    url = list_url(bob) if method == "post" else detail_url(webhook)

    response = getattr(bob.client(), method)(url, BODY, format="json")

    assert response.status_code == 403
    assert "READER" in response.json()["detail"]
    webhook.refresh_from_db()
    assert Webhook.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_outsider_gets_404_for_another_project_id(alice, charlie, webhook, method):
    response = getattr(charlie.client(), method)(list_url(alice), BODY, format="json")

    assert response.status_code == 404
    assert Webhook.objects.count() == 1


@pytest.mark.parametrize("method", ["put", "delete"])
def test_an_outsider_gets_404_for_another_projects_webhook(alice, charlie, webhook, method):
    response = getattr(charlie.client(), method)(detail_url(webhook), {"name": "x"}, format="json")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    webhook.refresh_from_db()
    assert webhook.name == "Logger"


def test_an_outsider_lists_only_their_own(alice, charlie, webhook):
    assert charlie.client().get(list_url(charlie)).json() == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_no_key_is_401(alice, method):
    response = getattr(APIClient(), method)(list_url(alice), BODY, format="json")

    assert response.status_code == 401


@pytest.mark.parametrize("method", ["put", "delete"])
def test_a_wrong_key_is_401(webhook, alice, method):
    response = getattr(alice.client("eg_wrong_key"), method)(detail_url(webhook), format="json")

    assert response.status_code == 401
