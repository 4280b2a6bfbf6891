from accounts.models import Project
from accounts.ratelimit import rate_limit_hit

PING = "/v1/ping/"


def test_it_answers_429_with_the_headers_after_the_project_s_burst(alice):
    Project.objects.filter(pk=alice.project.pk).update(rate_limit_per_minute=3)
    client = alice.client()

    statuses = [client.get(PING).status_code for _ in range(3)]
    response = client.get(PING)

    assert statuses == [200, 200, 200]
    assert response.status_code == 429
    assert response["X-RateLimit-Limit"] == "3"
    assert response["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["X-RateLimit-Reset"] == response["Retry-After"]
    assert response.json()["detail"].startswith("Rate limit exceeded: 3 requests a minute")


def test_it_sends_the_headers_on_every_answer(alice):
    response = alice.client().get(PING)

    assert int(response["X-RateLimit-Limit"]) > 0
    assert int(response["X-RateLimit-Remaining"]) == int(response["X-RateLimit-Limit"]) - 1


def test_it_counts_each_key_separately(alice, bob):
    Project.objects.filter(pk=alice.project.pk).update(rate_limit_per_minute=1)

    assert alice.client().get(PING).status_code == 200
    assert bob.client().get(PING).status_code == 200
    assert alice.client().get(PING).status_code == 429


def test_it_starts_a_new_window_each_minute(alice):
    first = rate_limit_hit(key_id=alice.api_key.pk, limit=1, now=120.0)
    second = rate_limit_hit(key_id=alice.api_key.pk, limit=1, now=179.0)
    third = rate_limit_hit(key_id=alice.api_key.pk, limit=1, now=180.0)

    assert (first.allowed, second.allowed, third.allowed) == (True, False, True)
    assert (second.reset_seconds, third.reset_seconds) == (1, 60)
