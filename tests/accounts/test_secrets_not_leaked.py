"""After creation, neither the plaintext key nor its digest appears anywhere."""

import logging

import pytest

from accounts.models import ApiKey, RequestLog
from accounts.request_log import request_log_flush


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    admin = django_user_model.objects.create_superuser(email="root@example.com", password="pw")
    client.force_login(admin)
    return client


def secrets_of(tenant) -> list[str]:
    secret = tenant.key.removeprefix(f"eg_{tenant.api_key.prefix}_")
    return [tenant.key, ApiKey.objects.get(pk=tenant.api_key.pk).digest, secret]


def test_admin_pages_show_keys_by_prefix_only(alice, admin_client_logged_in):
    pages = [
        admin_client_logged_in.get("/admin/accounts/apikey/"),
        admin_client_logged_in.get(f"/admin/accounts/apikey/{alice.api_key.pk}/change/"),
        admin_client_logged_in.get(f"/admin/accounts/project/{alice.project.pk}/change/"),
    ]

    assert [page.status_code for page in pages] == [200, 200, 200]
    assert f"eg_{alice.api_key.prefix}_…" in pages[0].content.decode()
    for page in pages:
        for secret in secrets_of(alice):
            assert secret not in page.content.decode()


def test_api_answers_and_logs_never_contain_the_key(alice, caplog):
    caplog.set_level(logging.DEBUG)

    answers = [
        alice.client().get("/v1/ping/"),
        alice.client().get(alice.project_url),
        alice.client().patch(alice.project_url, {"decay": "bad"}, format="json"),
        alice.client(alice.key + "x").get("/v1/ping/"),
    ]
    request_log_flush()
    logged_paths = list(RequestLog.objects.values_list("path", flat=True))

    texts = [answer.content.decode() for answer in answers] + [caplog.text, *logged_paths]
    assert len(logged_paths) == 4
    for text in texts:
        for secret in secrets_of(alice):
            assert secret not in text
