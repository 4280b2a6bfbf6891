"""Requests that tests/contract/test_fuzz_api.py (schemathesis) found answering 500: each is now
a 400 or a 404 with a `detail` message."""

from urllib.parse import urlencode

import pytest

ADD = "/v3/memories/add/"


def json_post(client, url: str, raw: str):
    """A raw JSON text: JSON allows what Python's json.dumps would not send, e.g. 1e400."""
    return client.post(url, raw, content_type="application/json")


def assert_4xx_detail(response, status: int = 400, contains: str = "") -> None:
    assert response.status_code == status, response.content
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    assert contains in detail


def test_a_message_role_that_is_not_a_string_is_a_400(alice):
    body = {"messages": [{"role": {}, "content": "hi"}], "user_id": "alice", "infer": False}

    response = alice.client().post(ADD, body, format="json")

    assert_4xx_detail(response, contains="messages[0].role")


@pytest.mark.parametrize(
    "raw, where",
    [
        ('{"messages": "a\\u0000b", "user_id": "alice", "infer": false}', "body.messages"),
        ('{"messages": "a\\ud800b", "user_id": "alice", "infer": false}', "body.messages"),
        (
            '{"messages": "hi", "user_id": "alice", "metadata": {"k\\u0000": 1}, "infer": false}',
            "body.metadata: a key",
        ),
        (
            '{"messages": "hi", "user_id": "alice", "metadata": {"k": "\\udc00"}, "infer": false}',
            "body.metadata.k",
        ),
    ],
)
def test_nul_and_lone_surrogates_in_an_add_body_are_a_400(alice, raw, where):
    response = json_post(alice.client(), ADD, raw)

    assert_4xx_detail(response, contains=f"{where}")
    assert "NUL or unpaired surrogate" in response.json()["detail"]


def test_nul_in_entity_metadata_is_a_400(alice):
    raw = '{"agent_id": "travel", "metadata": {"note": "\\u0000"}}'

    response = json_post(alice.client(), "/v1/agents/", raw)

    assert_4xx_detail(response, contains="body.metadata.note")


@pytest.mark.parametrize(
    "url, raw",
    [
        (ADD, '{"messages": "hi", "user_id": "alice", "metadata": {"n": 1e400}, "infer": false}'),
        ("/v1/users/", '{"user_id": "bob", "metadata": {"n": -1e400}}'),
        (
            "/v3/memories/search/",
            '{"query": "hi", "filters": {"user_id": "a"}, "metadata": {"n": 1e400}}',
        ),
    ],
)
def test_an_infinite_number_in_a_body_is_a_400(alice, url, raw):
    response = json_post(alice.client(), url, raw)

    assert_4xx_detail(response, contains="body.metadata.n: number out of range")


def test_an_entity_id_longer_than_its_column_is_a_400(alice):
    long_id = "a" * 256

    added = alice.client().post(
        ADD, {"messages": "hi", "user_id": long_id, "infer": False}, format="json"
    )
    created = alice.client().post("/v1/agents/", {"agent_id": long_id}, format="json")

    assert_4xx_detail(added, contains="user_id: at most 255 characters")
    assert_4xx_detail(created, contains="agent_id: at most 255 characters")


def test_the_longest_entity_id_is_still_stored(alice):
    response = alice.client().post(
        ADD, {"messages": "hi", "user_id": "a" * 255, "infer": False}, format="json"
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "raw",
    [
        '{"custom_categories": [{"\\u0000": "x"}]}',
        '{"retrieval_criteria": [{"name": "a", "weight": 1e400}]}',
        '{"retrieval_criteria": [{"name": "\\ud800"}]}',
    ],
)
def test_project_settings_that_postgres_cannot_store_are_a_400(alice, raw):
    response = alice.client().patch(alice.project_url, raw, content_type="application/json")

    assert_4xx_detail(response, contains="cannot be stored")


@pytest.mark.parametrize("limit", ["-1", "abc", "1.5"])
def test_a_bad_legacy_list_limit_in_the_query_is_a_400(alice, limit):
    response = alice.client().get(f"/v1/memories/?user_id=alice&limit={limit}")

    assert_4xx_detail(response, contains="limit: expected a positive integer")


@pytest.mark.parametrize("limit", ['{"a": 1}', "-5", "1e400"])
def test_a_bad_legacy_list_limit_in_the_body_is_a_400(alice, limit):
    response = json_post(
        alice.client(), "/v2/memories/", f'{{"user_id": "alice", "limit": {limit}}}'
    )

    assert_4xx_detail(response, contains="limit")


def test_an_infinite_page_is_a_400(alice):
    response = json_post(
        alice.client(), "/v3/memories/", '{"filters": {"user_id": "a"}, "page": 1e400}'
    )

    assert_4xx_detail(response, contains="page")


@pytest.mark.parametrize(
    "metadata",
    ["{'a': {1, 2}}", "{'a': b'x'}", "{(1, 2): 1}", '{"a": NaN}', '{"a": 1e400}'],
)
def test_a_metadata_query_that_is_not_json_is_a_400(alice, metadata):
    client = alice.client()

    listed = client.get("/v1/memories/", {"user_id": "alice", "metadata": metadata})
    deleted = client.delete(f"/v1/memories/?{urlencode({'metadata': metadata})}")

    assert_4xx_detail(listed, contains="metadata: expected an object (JSON)")
    assert_4xx_detail(deleted, contains="metadata: expected an object (JSON)")


def test_a_nul_in_a_legacy_list_query_is_a_400(alice):
    response = alice.client().get("/v1/memories/", {"user_id": "alice", "keywords": "a\x00b"})

    assert_4xx_detail(response, contains="cannot be stored")


def test_unicode_digits_in_an_entity_path_are_not_an_id(alice):
    client = alice.client()

    fetched = client.get("/v2/entities/user/\u00b2/")
    deleted = client.delete("/v1/entities/user/\u00b2/")

    assert_4xx_detail(fetched, status=404, contains="Entity not found")
    assert_4xx_detail(deleted, contains="Must be an integer")


def test_a_huge_numeric_entity_id_is_a_404(alice):
    response = alice.client().delete(f"/v1/entities/user/{'9' * 30}/")

    assert_4xx_detail(response, status=404, contains="Entity not found")


def test_an_entities_page_past_the_end_is_empty_even_when_huge(alice):
    response = alice.client().get("/v1/entities/", {"page": "99999999999999999999"})

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_a_body_nested_too_deeply_for_the_json_parser_is_a_400(alice):
    raw = '{"messages": ' + "[" * 100_000 + "]" * 100_000 + "}"

    response = json_post(alice.client(), ADD, raw)

    assert_4xx_detail(response, contains="nested too deeply")


@pytest.mark.parametrize("operation", ['["trigger"]', '{"a": 1}', "1"])
def test_a_profile_job_operation_that_is_not_a_string_is_a_400(alice, operation):
    response = json_post(alice.client(), "/v2/profiles/jobs/", f'{{"operation": {operation}}}')

    assert_4xx_detail(response, contains='operation: expected "trigger" or "sample"')


def test_a_lone_surrogate_echoed_in_an_error_is_rendered_as_json(alice):
    response = json_post(alice.client(), "/v1/ping/", '{"org_id": "x\\ud800"}')

    assert_4xx_detail(response, status=403, contains="org_id=x\\ud800 does not match")
