from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.authentication import INVALID_KEY, MALFORMED, MISSING_KEY
from accounts.models import ApiKey
from accounts.services import api_key_revoke, project_set_suspended

PING = "/v1/ping/"


def test_it_answers_401_json_without_a_key(db):
    response = APIClient().get(PING)

    assert response.status_code == 401
    assert response.json()["detail"] == MISSING_KEY
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("header", ["Token", "Basic abc", "Token  ", "tokenabc"])
def test_it_answers_401_to_a_malformed_header(db, header):
    response = APIClient().get(PING, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json()["detail"] == MALFORMED


@pytest.mark.parametrize("key", ["eg_nope_secret", "m0-hosted-key", "eg__", "eg_x"])
def test_it_answers_401_to_an_unknown_key(alice, key):
    response = alice.client(key).get(PING)

    assert response.status_code == 401
    assert response.json()["detail"] == INVALID_KEY


def test_it_answers_401_to_a_right_prefix_with_a_wrong_secret(alice):
    forged = f"eg_{alice.api_key.prefix}_{'x' * 43}"

    assert alice.client(forged).get(PING).status_code == 401


def test_it_answers_401_to_a_revoked_key(alice):
    api_key_revoke(api_key=alice.api_key)

    response = alice.client().get(PING)

    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_it_answers_401_to_an_expired_key(alice):
    ApiKey.objects.filter(pk=alice.api_key.pk).update(expires_at=timezone.now())

    response = alice.client().get(PING)

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_it_accepts_a_key_that_expires_later(alice):
    ApiKey.objects.filter(pk=alice.api_key.pk).update(expires_at=timezone.now() + timedelta(days=1))

    assert alice.client().get(PING).status_code == 200


def test_it_answers_403_for_a_suspended_project(alice):
    project_set_suspended(project=alice.project, suspended=True)

    response = alice.client().get(PING)

    assert response.status_code == 403
    assert "suspended" in response.json()["detail"]


def test_it_accepts_bearer_as_well(alice):
    response = APIClient().get(PING, HTTP_AUTHORIZATION=f"Bearer {alice.key}")

    assert response.status_code == 200


def test_it_records_last_use_without_writing_on_every_request(alice, django_assert_num_queries):
    alice.client().get(PING)
    first_use = ApiKey.objects.get(pk=alice.api_key.pk).last_used_at

    with django_assert_num_queries(0):  # the key is cached, and no UPDATE within a minute
        alice.client().get(PING)

    assert first_use is not None
    assert ApiKey.objects.get(pk=alice.api_key.pk).last_used_at == first_use


def test_it_stores_only_a_digest_of_the_key(alice):
    stored = ApiKey.objects.get(pk=alice.api_key.pk)

    assert alice.key.startswith(f"eg_{stored.prefix}_")
    assert alice.key not in {stored.digest, stored.prefix, stored.name}
    assert len(stored.digest) == 64
