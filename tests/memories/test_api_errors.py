"""API paths answer JSON, never redirect, and refuse oversized bodies with 413."""

from rest_framework.test import APIClient


def test_a_missing_trailing_slash_is_served_not_redirected(alice):
    response = alice.client().get("/v1/ping")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_a_post_without_trailing_slash_is_served(alice):
    response = alice.client().post("/v3/memories", {"filters": {"user_id": "a"}}, format="json")

    assert response.status_code == 200


def test_double_slashes_from_a_host_ending_in_slash_are_collapsed(alice):
    # The test client would read "//v1" as a host name, so set the WSGI path directly.
    response = alice.client().get("/", PATH_INFO="//v1//ping/")

    assert response.status_code == 200


def test_an_unknown_api_route_is_a_json_404(alice):
    response = alice.client().get("/v1/nothing-here/")

    assert response.status_code == 404
    assert response.json()["detail"].startswith("Not found: GET /v1/nothing-here/")


def test_malformed_json_is_a_400_with_detail(alice):
    response = alice.client().post("/v3/memories/add/", "{nope", content_type="application/json")

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_an_oversized_body_is_413(alice, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"messages": "x" * 5000, "user_id": "a", "infer": False}

    response = alice.client().post("/v3/memories/add/", body, format="json")

    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


def test_a_wrong_method_is_a_json_405(alice):
    response = alice.client().patch("/v3/memories/search/", {}, format="json")

    assert response.status_code == 405
    assert "detail" in response.json()


def test_missing_key_on_memory_routes_is_401(db):
    assert APIClient().post("/v3/memories/search/", {}, format="json").status_code == 401


def test_a_host_outside_allowed_hosts_gets_a_json_400_that_says_what_to_do(alice, settings):
    settings.ALLOWED_HOSTS = ["engram.example.com"]

    response = alice.client().get("/v1/ping/", HTTP_HOST="other.example.com")

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Host 'other.example.com' is not served here: add it to ALLOWED_HOSTS on the server."
    )
