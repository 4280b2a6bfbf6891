"""Fuzzing with schemathesis: every invalid request gets a 4xx JSON body with a `detail`
message, never a 500 or an HTML page.

Two schemas drive it, against a live test server with alice's key on every call:
- the published Mem0 OpenAPI file (shared/contracts/mem0-openapi.json), which describes the
  routes we serve with full request shapes. Operations we don't serve answer a JSON 404,
  which is fine;
- our own drf-spectacular schema from /api/schema/ (thinner: no request bodies).

Each operation gets examples, coverage and fuzzing cases, positive and negative, with a fixed
number of examples and derandomize=True, so a CI run is repeatable. Path parameters and
`memory_id` body fields are sometimes swapped for ids that exist (memories seeded through the
API, alice's org and project), so the get, update and delete paths reach past their 404.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.slow

MEM0_OPENAPI = Path(__file__).resolve().parents[3] / "shared" / "contracts" / "mem0-openapi.json"
# Deeper local runs: ENGRAM_FUZZ_EXAMPLES=200, and ENGRAM_FUZZ_DERANDOMIZE=0 for new inputs on
# every run (pytest's --hypothesis-seed=N repeats one).
MAX_EXAMPLES = int(os.environ.get("ENGRAM_FUZZ_EXAMPLES", "25"))
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("ENGRAM_FUZZ_DERANDOMIZE", "1") != "0",
    database=None,
    suppress_health_check=list(HealthCheck),
)
# Deleting alice's own project would leave every later case of that operation a 401.
KEEP_FUZZED = {("DELETE", "/api/v1/orgs/organizations/{org_id}/projects/{project_id}/")}


def error_is_json_with_detail(ctx, response, case):
    """A 4xx answers JSON (an object) whose `detail` is a non-empty string."""
    if not 400 <= response.status_code < 500 or case.method.upper() == "HEAD":
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    snippet = response.content[:300]
    if not content_type.startswith("application/json"):
        raise AssertionError(
            f"{response.status_code} with Content-Type {content_type!r}, not JSON: {snippet!r}"
        )
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(
            f"{response.status_code} body is not valid JSON: {snippet!r}"
        ) from None
    detail = body.get("detail") if isinstance(body, dict) else None
    if not (isinstance(detail, str) and detail):
        raise AssertionError(f"{response.status_code} without a string `detail`: {snippet!r}")
    return None


CHECKS = [not_a_server_error, error_is_json_with_detail]


# --- real ids, swapped in sometimes ----------------------------------------------------------


class Seeds:
    """The current test's FuzzTarget, read by the hooks while cases are generated."""

    target = None


@pytest.fixture
def target(fuzz_target):
    Seeds.target = fuzz_target
    yield fuzz_target
    Seeds.target = None


def _real_path_values(path: str, target) -> dict[str, st.SearchStrategy]:
    tenant = target.tenant
    values = {
        "memory_id": st.sampled_from(target.memory_ids),
        "event_id": st.sampled_from(target.event_ids),
        "org_id": st.just(tenant.organization.public_id),
        "project_id": st.just(tenant.project.public_id),
    }
    if path.startswith("/v2/entities/"):
        values |= {
            "entity_type": st.just("user"),
            "entity_id": st.just("alice"),
            "name": st.just("alice"),
        }
    return values


def flatmap_path_parameters(ctx, path_parameters):
    target, operation = Seeds.target, ctx.operation
    if target is None or not isinstance(path_parameters, dict) or operation is None:
        return st.just(path_parameters)
    if (operation.method.upper(), operation.path) in KEEP_FUZZED:
        return st.just(path_parameters)
    real = {
        name: strategy
        for name, strategy in _real_path_values(operation.path, target).items()
        if name in path_parameters
    }
    if not real:
        return st.just(path_parameters)
    return st.one_of(
        st.just(path_parameters),
        st.fixed_dictionaries(real).map(lambda values: {**path_parameters, **values}),
    )


def flatmap_body(ctx, body):
    """`memory_id` in a body (feedback) or in its `memories` items (batch) becomes real at times."""
    target = Seeds.target
    if target is None or not isinstance(body, dict):
        return st.just(body)
    ids = st.sampled_from(target.memory_ids)
    if "memory_id" in body:
        return st.one_of(st.just(body), ids.map(lambda memory_id: {**body, "memory_id": memory_id}))
    items = body.get("memories")
    if isinstance(items, list) and items and all(isinstance(item, dict) for item in items):
        real_items = st.tuples(*(ids for _ in items)).map(
            lambda chosen: [
                {**item, "memory_id": memory_id}
                for item, memory_id in zip(items, chosen, strict=True)
            ]
        )
        return st.one_of(st.just(body), real_items.map(lambda new: {**body, "memories": new}))
    return st.just(body)


def with_real_ids(schema):
    schema.hook(flatmap_path_parameters)
    schema.hook(flatmap_body)
    return schema


def call(case, target):
    case.call_and_validate(base_url=target.url, headers=target.headers, checks=CHECKS, timeout=60)


# --- (a) the published Mem0 OpenAPI file -----------------------------------------------------

if MEM0_OPENAPI.exists():
    mem0_schema = with_real_ids(schemathesis.openapi.from_path(MEM0_OPENAPI))
    mem0_schema.config.generation.update(with_security_parameters=False)

    @mem0_schema.parametrize()
    @FUZZ_SETTINGS
    def test_mem0_openapi_operations_answer_4xx_json_never_5xx(case, target):
        call(case, target)

else:

    def test_mem0_openapi_operations_answer_4xx_json_never_5xx():
        pytest.skip(f"{MEM0_OPENAPI} is not there (shared/ beside the checkout)")


# --- (b) our own schema, as /api/schema/ serves it --------------------------------------------
# Fetched through Django's test client while collecting: schemathesis' lazy loader
# (`schemathesis.pytest.from_fixture`, which could read it from the live server) sets
# `node._nodeid`, which pytest 9.2 no longer has. The cases still go to the live server.


def _engram_schema():
    from django.test import Client

    with contextlib.redirect_stderr(io.StringIO()):  # drf-spectacular's "unable to guess" notes
        response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200, response.content[:300]
    return schemathesis.openapi.from_dict(json.loads(response.content))


# /api/schema/ itself is the docs route, outside the API paths: its errors are YAML.
engram_schema = with_real_ids(_engram_schema()).exclude(path="/api/schema/")
engram_schema.config.generation.update(with_security_parameters=False)


@engram_schema.parametrize()
@FUZZ_SETTINGS
def test_engram_schema_operations_answer_4xx_json_never_5xx(case, target):
    call(case, target)
