"""The per-process API key cache: no SQL for a known key, and every change seen on the next
request (accounts/auth_cache.py)."""

import redis
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import auth_cache, ratelimit
from accounts.models import ApiKey, Project, Role
from accounts.selectors import api_key_get_cached
from accounts.services import (
    api_key_digest,
    api_key_revoke,
    api_key_set_suspended,
    member_remove,
    member_set_role,
    project_set_suspended,
)
from config.local_services import free_port
from config.redis import get_redis, redis_key
from tests.conftest import Tenant

PING = "/v1/ping/"


def warm(tenant) -> None:
    assert tenant.client().get(PING).status_code == 200


def version() -> bytes | None:
    return get_redis().get(redis_key(auth_cache.VERSION))


def revoke_behind_the_cache(tenant) -> None:
    """A write that does not announce itself, as another process's would look from here."""
    ApiKey.objects.filter(pk=tenant.api_key.pk).update(revoked_at=timezone.now())


# --- no SQL when cached ---------------------------------------------------------------------


def test_it_authenticates_a_known_key_without_sql(alice, django_assert_num_queries):
    warm(alice)

    with django_assert_num_queries(0):
        assert alice.client().get(PING).status_code == 200


def test_it_queries_every_time_when_disabled(alice, settings, django_assert_num_queries):
    settings.AUTH_CACHE_SECONDS = 0
    warm(alice)

    with django_assert_num_queries(1):
        assert alice.client().get(PING).status_code == 200
    assert not auth_cache._entries


def test_it_caches_neither_unknown_keys_nor_more_than_the_bound(alice, bob, charlie, monkeypatch):
    monkeypatch.setattr(auth_cache, "MAX_ENTRIES", 2)
    assert alice.client("eg_nope_secret").get(PING).status_code == 401
    assert alice.client(f"eg_{alice.api_key.prefix}_forged").get(PING).status_code == 401
    assert not auth_cache._entries

    for tenant in (alice, bob, charlie):
        warm(tenant)

    assert list(auth_cache._entries) == [api_key_digest(bob.key), api_key_digest(charlie.key)]


# --- changes reach the next request ---------------------------------------------------------


def test_it_refuses_a_key_revoked_through_the_service(alice):
    warm(alice)
    api_key_revoke(api_key=alice.api_key)

    response = alice.client().get(PING)

    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_it_refuses_a_key_revoked_in_the_dashboard(alice):
    warm(alice)
    dashboard = Client()
    dashboard.force_login(alice.user)
    args = [alice.organization.public_id, alice.project.public_id, alice.api_key.prefix]

    dashboard.post(reverse("dashboard:key-revoke", args=args))

    assert alice.client().get(PING).status_code == 401


def test_it_refuses_a_suspended_key(alice):
    warm(alice)
    api_key_set_suspended(api_key=alice.api_key, suspended=True)

    response = alice.client().get(PING)

    assert response.status_code == 401 and "suspended" in response.json()["detail"]


def test_it_refuses_a_suspended_project_and_accepts_it_restored(alice):
    warm(alice)
    project_set_suspended(project=alice.project, suspended=True)
    assert alice.client().get(PING).status_code == 403

    project_set_suspended(project=alice.project, suspended=False)
    assert alice.client().get(PING).status_code == 200


def test_it_refuses_writes_once_the_creator_is_a_reader(alice):
    dana = Tenant("dana@example.com", "MEMBER", project=alice.project)
    patch = {"description": "by dana"}
    assert dana.client().patch(dana.project_url, patch, format="json").status_code == 200

    member_set_role(
        actor=alice.user, organization=alice.organization, email="dana@example.com", role="READER"
    )
    response = dana.client().patch(dana.project_url, patch, format="json")

    assert response.status_code == 403 and "READER" in response.json()["detail"]


def test_it_refuses_a_removed_member_s_key(alice):
    dana = Tenant("dana@example.com", "MEMBER", project=alice.project)
    warm(dana)

    member_remove(actor=alice.user, organization=alice.organization, email="dana@example.com")

    assert dana.client().get(PING).status_code == 401


def test_it_reads_back_project_settings_changed_through_the_api(alice):
    client = alice.client()
    assert client.get(alice.project_url).json()["rate_limit_per_minute"] is None

    changes = {"rate_limit_per_minute": 7, "custom_instructions": "be brief"}
    assert client.patch(alice.project_url, changes, format="json").status_code == 200
    response = client.get(alice.project_url)

    assert response.json()["rate_limit_per_minute"] == 7
    assert response.json()["custom_instructions"] == "be brief"
    assert response["X-RateLimit-Limit"] == "7"


def test_it_reads_back_profile_settings_which_live_outside_the_key(alice):
    client = alice.client()
    assert client.get("/v2/profiles/settings/").json()["enabled"] is True

    client.post("/v2/profiles/settings/", {"enabled": False}, format="json")

    assert client.get("/v2/profiles/settings/").json()["enabled"] is False


def test_it_publishes_a_new_version_at_once_and_again_after_the_commit(
    alice, django_capture_on_commit_callbacks
):
    before = version()
    with django_capture_on_commit_callbacks(execute=True):
        api_key_revoke(api_key=alice.api_key)
        during = version()

    assert len({before, during, version()}) == 3


# --- other processes, Redis restarts and outages, expiry -------------------------------------


def test_it_reloads_when_another_process_changes_the_version(alice):
    warm(alice)
    revoke_behind_the_cache(alice)
    assert alice.client().get(PING).status_code == 200  # cached: nothing announced the change

    get_redis().set(redis_key(auth_cache.VERSION), "from-another-process")

    assert alice.client().get(PING).status_code == 401


def test_it_reloads_after_redis_lost_the_version(alice):
    warm(alice)
    revoke_behind_the_cache(alice)

    get_redis().delete(redis_key(auth_cache.VERSION))  # what a restart of this Redis does

    assert alice.client().get(PING).status_code == 401
    assert version() is not None


def test_it_authenticates_from_the_database_while_redis_is_unreachable(
    alice, monkeypatch, django_assert_num_queries, caplog
):
    warm(alice)
    unreachable = redis.Redis(port=free_port(), socket_connect_timeout=1)
    for module in (auth_cache, ratelimit):  # one Redis: both lose it
        monkeypatch.setattr(module, "get_redis", lambda: unreachable)

    with django_assert_num_queries(1):  # the key lookup: nothing cached before is trusted
        assert alice.client().get(PING).status_code == 200
    assert not auth_cache._entries and "Redis is unreachable" in caplog.text

    api_key_revoke(api_key=alice.api_key)  # its new version cannot be published
    assert alice.client().get(PING).status_code == 401


def test_it_reloads_entries_older_than_auth_cache_seconds(alice, settings, monkeypatch):
    settings.AUTH_CACHE_SECONDS = 5
    warm(alice)
    Project.objects.filter(pk=alice.project.pk).update(name="renamed")
    assert alice.client().get(PING).json()["project_name"] != "renamed"

    loaded = auth_cache.monotonic()
    monkeypatch.setattr(auth_cache, "monotonic", lambda: loaded + 5)

    assert alice.client().get(PING).json()["project_name"] == "renamed"


# --- each request has its own objects ---------------------------------------------------------


def test_each_request_gets_its_own_key_project_organization_and_creator(alice):
    Project.objects.filter(pk=alice.project.pk).update(custom_categories=[{"food": ""}])
    first = api_key_get_cached(plaintext=alice.key)
    second = api_key_get_cached(plaintext=alice.key)

    first.project.name = "changed by one request"
    first.project.custom_categories.append({"travel": ""})
    first.scopes.append("admin")
    third = api_key_get_cached(plaintext=alice.key)

    assert second is not first and second.project is not first.project
    assert second.project.organization is not first.project.organization
    assert second.created_by is not first.created_by
    assert (third.project.name, third.project.custom_categories) == (
        alice.project.name,
        [{"food": ""}],
    )
    assert third.scopes == ["read", "write"] and third.creator_role == Role.OWNER


def test_it_records_last_use_once_while_cached(alice, django_assert_num_queries):
    warm(alice)  # loads the key and records its use

    with django_assert_num_queries(0):
        alice.client().get(PING)
        alice.client().get(PING)

    assert ApiKey.objects.get(pk=alice.api_key.pk).last_used_at is not None


# --- Django admin ---------------------------------------------------------------------------


def admin_client(django_user_model) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_superuser(email="root@example.com"))
    return client


def test_an_admin_project_suspension_applies_to_the_next_request(alice, django_user_model):
    warm(alice)
    form = {
        "organization": alice.organization.pk,
        "name": alice.project.name,
        "custom_categories": "null",
        "retrieval_criteria": "null",
        "llm_prompt_tokens": 0,
        "llm_completion_tokens": 0,
        "suspended_at_0": "2025-01-01",
        "suspended_at_1": "00:00:00",
    }

    url = f"/admin/accounts/project/{alice.project.pk}/change/"
    response = admin_client(django_user_model).post(url, form)

    assert response.status_code == 302
    assert alice.client().get(PING).status_code == 403


def test_an_admin_key_deletion_applies_to_the_next_request(alice, django_user_model):
    warm(alice)
    selection = {"action": "delete_selected", "_selected_action": [alice.api_key.pk], "post": "yes"}

    admin_client(django_user_model).post("/admin/accounts/apikey/", selection)

    assert not ApiKey.objects.filter(pk=alice.api_key.pk).exists()
    assert alice.client().get(PING).status_code == 401
