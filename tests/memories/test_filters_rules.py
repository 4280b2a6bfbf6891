"""The filter language on real PostgreSQL: metadata, logic, scoping and normalisation rules."""

from __future__ import annotations

from datetime import date

import pytest

from memories.filters import (
    SCOPE_MESSAGE,
    FilterError,
    compile_filters,
    entity_scope,
    normalize_filters,
    not_expired_q,
)
from memories.models import Memory
from tests.factories import ProjectFactory
from tests.memories.filters_support import ALLOWED, at, error_of, found, ids, make, project  # noqa: F401

pytestmark = pytest.mark.django_db


# --- metadata ---------------------------------------------------------------------------------


def test_it_matches_metadata_eq_without_confusing_types(make, found):
    one, true = make(metadata={"n": 1}), make(metadata={"n": True})
    text = make(metadata={"n": "1"})
    assert found({"metadata": {"n": 1}}, require_entity_scope=False) == ids(one)
    assert found({"metadata": {"n": {"eq": True}}}, require_entity_scope=False) == ids(true)
    assert found({"metadata": {"n": "1"}}, require_entity_scope=False) == ids(text)


def test_it_lets_metadata_ne_match_missing_keys_and_null_metadata(make, found):
    other, missing, null = make(metadata={"t": "b"}), make(metadata={}), make()
    make(metadata={"t": "a"})
    f = {"metadata": {"t": {"ne": "a"}}}
    assert found(f, require_entity_scope=False) == ids(other, missing, null)


def test_it_matches_metadata_contains_in_strings_and_arrays(make, found):
    text, array = make(metadata={"t": "a Semantic one"}), make(metadata={"t": ["x", "Semantic"]})
    make(metadata={"t": "semantic"})
    make(metadata={"t": ["Semantic web"]})
    f = {"metadata": {"t": {"contains": "Semantic"}}}
    assert found(f, require_entity_scope=False) == ids(text, array)


def test_it_ands_several_metadata_keys(make, found):
    both = make(metadata={"a": 1, "b": 2})
    make(metadata={"a": 1})
    assert found({"metadata": {"a": 1, "b": 2}}, require_entity_scope=False) == ids(both)


def test_it_rejects_range_operators_and_nested_keys_on_metadata():
    assert error_of({"user_id": "u", "metadata": {"n": {"gt": 1}}}) == (
        'filters.metadata.n: operator "gt" is not allowed for metadata; '
        "use eq, ne, contains or a bare value"
    )
    assert error_of({"user_id": "u", "metadata": {"a": {"b": 1}}}).startswith(
        'filters.metadata.a: operator "b" is not allowed for metadata'
    )


def test_it_rejects_non_scalar_metadata_values():
    assert error_of({"user_id": "u", "metadata": {"n": [1]}}) == (
        "filters.metadata.n: expected a string, a finite number, a boolean or null"
    )
    assert error_of({"user_id": "u", "metadata": {"n": float("nan")}}).startswith(
        "filters.metadata.n: "
    )
    assert error_of({"user_id": "u", "metadata": {}}) == (
        'filters.metadata: expected an object of metadata keys, e.g. {"type": "x"}'
    )


# --- logic ------------------------------------------------------------------------------------


def test_it_ands_a_sibling_or_with_and(make, found):
    keep = make(user_id="u", agent_id="a")
    make(user_id="u")
    make(agent_id="a")
    assert found({"AND": [{"user_id": "u"}], "OR": [{"agent_id": "a"}]}) == ids(keep)


def test_it_lets_none_of_a_not_list_match(make, found):
    keep = make(user_id="u", agent_id="c")
    make(user_id="u", agent_id="a")
    make(user_id="u", agent_id="b")
    assert found({"user_id": "u", "NOT": [{"agent_id": "a"}, {"agent_id": "b"}]}) == ids(keep)


def test_it_ands_several_operators_of_one_map(make, found):
    keep = make(user_id="u", agent_id="a", created_at=at("2024-05-01T00:00:00"))
    make(user_id="u", created_at=at("2024-05-01T00:00:00"))
    make(user_id="u", agent_id="a", created_at=at("2024-01-01T00:00:00"))
    f = {"user_id": "u", "agent_id": {"ne": "b", "in": ["a"]}, "created_at": {"gt": "2024-02-01"}}
    assert found(f) == ids(keep)


def test_it_rejects_malformed_logic():
    assert error_of({"AND": []}) == "filters.AND: AND takes a non-empty list of clauses"
    assert error_of({"OR": {"user_id": "u"}}) == "filters.OR: OR takes a non-empty list of clauses"
    assert error_of({"user_id": "u", "NOT": []}) == (
        "filters.NOT: NOT takes a clause or a non-empty list of clauses"
    )
    assert error_of({"AND": [{"user_id": "u"}, {}]}) == (
        "filters.AND[1]: a clause needs at least one condition"
    )
    assert error_of({"AND": [{"user_id": "u"}, "x"]}) == (
        "filters.AND[1]: expected a clause (an object), got a string"
    )


def test_it_lists_the_allowed_keys_for_an_unknown_key():
    assert error_of({"user_id": "u", "score": {"gt": 1}}) == (
        "Top-level key must be a logical operator or an allowed field: "
        f'{ALLOWED}; got "score" in filters'
    )
    assert error_of({"OR": [{"user_id": "u"}, {"and": []}]}).endswith(
        '; got "and" in filters.OR[1]'
    )


def test_it_rejects_nul_characters():
    assert error_of({"user_id": "a\x00b"}) == (
        "filters.user_id: holds a NUL or unpaired surrogate character"
    )


# --- scoping ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters",
    [
        {"run_id": "*"},
        {"OR": [{"user_id": "u"}, {"keywords": "x"}]},
        {"AND": [{"NOT": {"app_id": "x"}}, {"agent_id": {"eq": "a"}}]},
        {"OR": [{"AND": [{"run_id": {"in": ["r"]}}]}]},
    ],
)
def test_it_accepts_positively_scoped_filters(filters):
    compile_filters(filters)


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"keywords": "x"},
        {"NOT": {"user_id": "u"}},
        {"user_id": {"ne": "u"}},
        {"AND": [{"NOT": [{"agent_id": "*"}]}, {"text": "x"}]},
    ],
)
def test_it_rejects_unscoped_filters(filters):
    assert error_of(filters) == SCOPE_MESSAGE


def test_it_matches_everything_for_an_empty_unscoped_filter(make, found):
    everything = ids(make(), make(user_id="u"))
    assert found({}, require_entity_scope=False) == everything


def test_it_keeps_the_project_out_of_the_q(make, found):
    mine = make(user_id="alice")
    other = ProjectFactory()
    Memory.objects.create(project=other, text="t", hash="h", user_id="alice")
    assert "project" not in str(compile_filters({"user_id": "alice"}))
    assert found({"user_id": "alice"}) == ids(mine)


# --- normalize_filters ------------------------------------------------------------------------


def test_it_parses_json_and_python_repr_text():
    assert normalize_filters('{"user_id": "alice"}') == {"user_id": "alice"}
    assert normalize_filters("{'user_id': 'alice', 'metadata': {'ok': True}}") == {
        "user_id": "alice",
        "metadata": {"ok": True},
    }


def test_it_renames_camel_case_fields_in_every_clause_but_not_metadata_keys():
    raw = {"AND": [{"userId": "a"}, {"NOT": [{"runId": "r"}]}], "metadata": {"userId": 1}}
    assert normalize_filters(raw) == {
        "AND": [{"user_id": "a"}, {"NOT": [{"run_id": "r"}]}],
        "metadata": {"userId": 1},
    }


def test_it_rejects_a_field_sent_in_both_spellings():
    with pytest.raises(FilterError, match=r'^filters: "user_id" and "userId" both name user_id$'):
        normalize_filters({"user_id": "a", "userId": "b"})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("[object Object]", "filters: expected a JSON object or a Python dict literal"),
        ('["user_id"]', "filters: expected an object, got a list"),
        (None, "filters: expected an object, got null"),
        ("{'user_id': {1, 2}}", None),
    ],
)
def test_it_rejects_what_is_not_an_object(raw, message):
    if message is None:  # parses, but a set is no filter value
        assert error_of(raw).startswith("filters.user_id: ")
        return
    with pytest.raises(FilterError) as caught:
        normalize_filters(raw)
    assert str(caught.value) == message


def test_it_limits_depth_and_size():
    deep: dict = {"user_id": "u"}
    for _ in range(20):
        deep = {"NOT": deep}
    assert error_of(deep).endswith(": clauses nest deeper than 16 levels")
    huge = {"user_id": {"in": ["u"] * 10_001}}
    assert error_of(huge) == "filters: more than 10000 values"


# --- entity_scope and not_expired_q -----------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "scope"),
    [
        ({"user_id": "alice"}, {"user_id": "alice"}),
        (
            {"AND": [{"userId": "alice"}, {"AND": [{"run_id": {"eq": "r"}}]}]},
            {"user_id": "alice", "run_id": "r"},
        ),
        ({"agent_id": {"in": ["a"]}, "keywords": "x"}, {"agent_id": "a"}),
        ({"OR": [{"user_id": "alice"}]}, None),
        ({"user_id": "*"}, None),
        ({"user_id": {"in": ["a", "b"]}}, None),
        ({"user_id": "a", "NOT": {"agent_id": "b"}}, {"user_id": "a"}),
    ],
)
def test_it_reports_the_entity_scope(filters, scope):
    assert entity_scope(filters) == scope


def test_it_hides_memories_expired_before_today(make, project):
    never, today, later = (
        make(),
        make(expiration_date=date(2030, 1, 31)),
        make(expiration_date=date(2030, 2, 1)),
    )
    make(expiration_date=date(2030, 1, 30))
    visible = Memory.objects.filter(project=project).filter(not_expired_q(date(2030, 1, 31)))
    assert set(visible.values_list("id", flat=True)) == ids(never, today, later)
