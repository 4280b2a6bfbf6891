"""The filter language (API contract §4) on real PostgreSQL: every §4.4 example, every rule."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime

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

pytestmark = pytest.mark.django_db

ALLOWED = (
    "['AND', 'OR', 'NOT', 'user_id', 'agent_id', 'app_id', 'run_id', 'created_at', 'updated_at', "
    "'timestamp', 'expiration_date', 'text', 'categories', 'metadata', 'keywords_search', "
    "'memory_ids', 'keywords']"
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def project():
    return ProjectFactory()


@pytest.fixture
def make(project):
    def make(text: str = "a memory", **fields) -> Memory:
        digest = hashlib.md5(text.encode()).hexdigest()
        return Memory.objects.create(project=project, text=text, hash=digest, **fields)

    return make


@pytest.fixture
def found(project):
    def found(filters, **kwargs) -> set[uuid.UUID]:
        q = compile_filters(filters, **kwargs)
        return set(Memory.objects.filter(project=project).filter(q).values_list("id", flat=True))

    return found


def ids(*memories: Memory) -> set[uuid.UUID]:
    return {m.id for m in memories}


def error_of(filters, **kwargs) -> str:
    with pytest.raises(FilterError) as caught:
        compile_filters(filters, **kwargs)
    return str(caught.value)


# --- the examples of §4.4 ---------------------------------------------------------------------


def test_it_scopes_to_one_user(make, found):
    alice = make(user_id="alice")
    make(user_id="bob")
    make(agent_id="alice")
    assert found({"user_id": "alice"}) == ids(alice)


def test_it_ands_siblings_user_and_category(make, found):
    finance = make(user_id="alice", categories=["finance", "work"])
    make(user_id="alice", categories=["food"])
    make(user_id="bob", categories=["finance"])
    assert found({"user_id": "alice", "categories": {"in": ["finance"]}}) == ids(finance)


def test_it_matches_a_wildcard_as_not_null(make, found):
    in_run = make(user_id="alice", run_id="r1")
    make(user_id="alice")
    assert found({"AND": [{"user_id": "alice"}, {"run_id": "*"}]}) == ids(in_run)


def test_it_ors_a_user_with_agents(make, found):
    alice, travel = make(user_id="alice"), make(agent_id="travel-agent")
    sports = make(agent_id="sports-agent")
    make(agent_id="other-agent")
    f = {"OR": [{"user_id": "alice"}, {"agent_id": {"in": ["travel-agent", "sports-agent"]}}]}
    assert found(f) == ids(alice, travel, sports)


def test_it_takes_a_date_range_as_whole_utc_days(make, found):
    first = make(user_id="alex", created_at=at("2024-07-01T00:00:00"))
    last = make(user_id="alex", created_at=at("2024-07-31T23:59:59.999999"))
    make(user_id="alex", created_at=at("2024-06-30T23:59:59.999999"))
    make(user_id="alex", created_at=at("2024-08-01T00:00:00"))
    f = {"AND": [{"user_id": "alex"}, {"created_at": {"gte": "2024-07-01", "lte": "2024-07-31"}}]}
    assert found(f) == ids(first, last)


def test_it_excludes_categories_under_not(make, found):
    work, untagged = make(user_id="u1", categories=["work"]), make(user_id="u1")
    make(user_id="u1", categories=["spam"])
    make(user_id="u1", categories=["work", "test"])
    f = {"AND": [{"user_id": "u1"}, {"NOT": {"categories": {"in": ["spam", "test"]}}}]}
    assert found(f) == ids(work, untagged)


def test_it_searches_keywords_ignoring_case(make, found):
    invoice = make("Paid the INVOICE for May", user_id="u1")
    make("Paid the rent", user_id="u1")
    make("invoice of someone else", user_id="u2")
    assert found({"AND": [{"user_id": "u1"}, {"keywords": {"icontains": "invoice"}}]}) == ids(
        invoice
    )


def test_it_ors_metadata_values_without_entity_scope(make, found):
    semantic = make(metadata={"type": "semantic"})
    episodic = make(metadata={"type": "episodic", "x": 1})
    make(metadata={"type": "procedural"})
    make()
    f = {"OR": [{"metadata": {"type": "semantic"}}, {"metadata": {"type": "episodic"}}]}
    assert found(f, require_entity_scope=False) == ids(semantic, episodic)
    assert error_of(f) == SCOPE_MESSAGE


def test_it_pairs_wildcard_and_ne_to_exclude_nulls(make, found):
    travel = make(agent_id="travel")
    make(agent_id="old_agent")
    make(user_id="alice")
    assert found({"AND": [{"agent_id": "*"}, {"agent_id": {"ne": "old_agent"}}]}) == ids(travel)


def test_it_restricts_to_memory_ids(make, found):
    one, two = make(user_id="u1"), make(user_id="u1")
    make(user_id="u1")
    other_user = make(user_id="u2")
    f = {"AND": [{"user_id": "u1"}, {"memory_ids": [str(one.id), str(two.id), str(other_user.id)]}]}
    assert found(f) == ids(one, two)


def test_it_combines_and_not_or(make, found):
    keep = make(user_id="u1", categories=["work"], created_at=at("2024-03-01T00:00:00"))
    make(user_id="u1", categories=["work"], created_at=at("2023-12-31T23:59:59"))
    make(user_id="u1", categories=["spam"], created_at=at("2024-03-01T00:00:00"))
    make(user_id="u1", categories=["test"], created_at=at("2024-03-01T00:00:00"))
    f = {
        "AND": [
            {"user_id": "u1"},
            {"created_at": {"gte": "2024-01-01T00:00:00Z"}},
            {"NOT": {"OR": [{"categories": {"in": ["spam"]}}, {"categories": {"in": ["test"]}}]}},
        ]
    }
    assert found(f) == ids(keep)


# --- entity IDs -------------------------------------------------------------------------------


def test_it_matches_eq_and_in_operators(make, found):
    alice, bob = make(user_id="alice"), make(user_id="bob")
    make(user_id="carol")
    assert found({"user_id": {"eq": "alice"}}) == ids(alice)
    assert found({"user_id": {"in": ["alice", "bob", "dave"]}}) == ids(alice, bob)


def test_it_lets_ne_match_null(make, found):
    bob, unscoped = make(user_id="bob"), make(agent_id="a")
    make(user_id="alice")
    assert found({"user_id": {"ne": "alice"}}, require_entity_scope=False) == ids(bob, unscoped)


def test_it_matches_nothing_for_an_empty_in_list(make, found):
    alice = make(user_id="alice")
    assert found({"user_id": {"in": []}}) == set()
    assert found({"user_id": "alice", "NOT": {"user_id": {"in": []}}}) == ids(alice)


def test_it_rejects_the_wildcard_inside_an_operator():
    assert error_of({"user_id": {"eq": "*"}}) == (
        'filters.user_id.eq: "*" is a wildcard only as a bare value'
    )


def test_it_rejects_bad_entity_values():
    assert error_of({"user_id": ""}) == "filters.user_id: an entity ID cannot be empty"
    assert error_of({"user_id": 7}) == (
        'filters.user_id: expected an entity ID (a non-empty string), "*" or an operator map, '
        "got a number"
    )
    assert error_of({"user_id": {"in": "alice"}}) == (
        "filters.user_id.in: expected a list, got a string"
    )
    assert error_of({"agent_id": {"in": ["a", None]}}).startswith("filters.agent_id.in[1]: ")


def test_it_rejects_unknown_entity_operators():
    assert error_of({"AND": [{"user_id": "u"}, {"run_id": {"nin": ["r"]}}]}) == (
        'filters.AND[1].run_id: operator "nin" is not allowed for run_id; '
        'use eq, ne, in, "*" or a bare value'
    )


# --- dates ------------------------------------------------------------------------------------


def test_it_takes_a_bare_date_as_the_whole_day(make, found):
    morning = make(user_id="u", created_at=at("2024-07-01T00:00:00"))
    night = make(user_id="u", created_at=at("2024-07-01T23:59:59.999999"))
    make(user_id="u", created_at=at("2024-07-02T00:00:00"))
    assert found({"user_id": "u", "created_at": "2024-07-01"}) == ids(morning, night)
    assert found({"user_id": "u", "created_at": "2024-07-01T00:00:00Z"}) == ids(morning)


def test_it_puts_gt_after_the_day_and_lt_before_it(make, found):
    before = make(user_id="u", created_at=at("2024-06-30T23:59:59"))
    during = make(user_id="u", created_at=at("2024-07-01T12:00:00"))
    after = make(user_id="u", created_at=at("2024-07-02T00:00:00"))
    assert found({"user_id": "u", "created_at": {"gt": "2024-07-01"}}) == ids(after)
    assert found({"user_id": "u", "created_at": {"lt": "2024-07-01"}}) == ids(before)
    assert found({"user_id": "u", "created_at": {"ne": "2024-07-01"}}) == ids(before, after)
    assert found({"user_id": "u", "created_at": {"lte": "2024-07-01"}}) == ids(before, during)


def test_it_compares_datetimes_in_utc(make, found):
    late = make(user_id="u", created_at=at("2024-06-30T23:30:00"))
    make(user_id="u", created_at=at("2024-06-30T22:00:00"))
    assert found({"user_id": "u", "created_at": {"gte": "2024-07-01T01:00:00+02:00"}}) == ids(late)
    assert found({"user_id": "u", "created_at": {"gt": "2024-06-30T23:00:00"}}) == ids(late)


def test_it_matches_any_of_several_dates(make, found):
    first = make(user_id="u", created_at=at("2024-07-01T08:00:00"))
    second = make(user_id="u", created_at=at("2024-07-03T08:00:00"))
    make(user_id="u", created_at=at("2024-07-02T08:00:00"))
    f = {"user_id": "u", "timestamp": {"in": ["2024-07-01", "2024-07-03T08:00:00Z"]}}
    assert found(f) == ids(first, second)


def test_it_filters_updated_at(make, found):
    old, new = make(user_id="u"), make(user_id="u")
    Memory.objects.filter(pk=old.pk).update(updated_at=at("2020-01-01T00:00:00"))
    assert found({"user_id": "u", "updatedAt": {"gte": "2021-01-01"}}) == ids(new)


def test_it_compares_expiration_days_and_lets_ne_match_null(make, found):
    on_day = make(user_id="u", expiration_date=date(2030, 1, 31))
    later = make(user_id="u", expiration_date=date(2030, 2, 1))
    never = make(user_id="u")
    assert found({"user_id": "u", "expiration_date": "2030-01-31"}) == ids(on_day)
    assert found({"user_id": "u", "expiration_date": {"gt": "2030-01-31T23:00:00Z"}}) == ids(later)
    assert found({"user_id": "u", "expiration_date": {"ne": "2030-01-31"}}) == ids(later, never)


def test_it_rejects_eq_on_dates():
    assert error_of({"AND": [{"user_id": "u"}, {"created_at": {"eq": "2024-07-01"}}]}) == (
        'filters.AND[1].created_at: operator "eq" is not allowed for created_at; '
        "use gt, gte, lt, lte, ne, in or a bare value"
    )


def test_it_rejects_bad_dates():
    expected = "a date (YYYY-MM-DD) or an ISO-8601 datetime"
    assert error_of({"user_id": "u", "created_at": {"gte": "yesterday"}}) == (
        f'filters.created_at.gte: "yesterday" is not {expected} (or is out of range)'
    )
    assert error_of({"user_id": "u", "expiration_date": "2024-02-30"}) == (
        f'filters.expiration_date: "2024-02-30" is not {expected} (or is out of range)'
    )
    assert error_of({"user_id": "u", "timestamp": 1719792000}) == (
        f"filters.timestamp: expected {expected}, got a number"
    )


# --- categories -------------------------------------------------------------------------------


def test_it_takes_a_bare_category_list_or_string_as_in(make, found):
    food = make(user_id="u", categories=["food", "travel"])
    finance = make(user_id="u", categories=["finance"])
    make(user_id="u", categories=["Food"])
    assert found({"user_id": "u", "categories": ["food", "finance"]}) == ids(food, finance)
    assert found({"user_id": "u", "categories": "food"}) == ids(food)


def test_it_matches_a_category_substring_ignoring_case(make, found):
    food, snacks = (
        make(user_id="u", categories=["Food"]),
        make(user_id="u", categories=["x", "seafood"]),
    )
    make(user_id="u", categories=["finance"])
    make(user_id="u")
    assert found({"user_id": "u", "categories": {"contains": "FOOD"}}) == ids(food, snacks)


def test_it_rejects_eq_and_ne_on_categories():
    assert error_of({"user_id": "u", "categories": {"eq": "food"}}) == (
        'filters.categories: operator "eq" is not allowed for categories; '
        "use in, contains, a bare list or a bare string"
    )
    assert 'operator "ne" is not allowed' in error_of({"user_id": "u", "categories": {"ne": "x"}})


def test_it_rejects_category_names_longer_than_the_column():
    assert error_of({"user_id": "u", "categories": ["x" * 101]}) == (
        "filters.categories[0]: category names are at most 100 characters"
    )


# --- keywords ---------------------------------------------------------------------------------


def test_it_matches_keywords_case_sensitively_with_contains(make, found):
    upper = make("Invoice paid", user_id="u")
    make("invoice paid", user_id="u")
    assert found({"user_id": "u", "text": {"contains": "Invoice"}}) == ids(upper)


def test_it_takes_a_bare_keyword_as_icontains(make, found):
    upper, lower = make("Invoice paid", user_id="u"), make("the invoice", user_id="u")
    make("rent", user_id="u")
    assert found({"user_id": "u", "keywords_search": "INVOICE"}) == ids(upper, lower)


def test_it_treats_like_wildcards_literally(make, found):
    percent = make("50% off", user_id="u")
    make("500 off", user_id="u")
    assert found({"user_id": "u", "keywords": {"icontains": "50%"}}) == ids(percent)


def test_it_rejects_other_keyword_operators():
    assert error_of({"user_id": "u", "keywords": {"eq": "x"}}) == (
        'filters.keywords: operator "eq" is not allowed for keywords; '
        "use contains, icontains or a bare string"
    )


# --- memory IDs -------------------------------------------------------------------------------


def test_it_takes_memory_ids_as_an_in_map(make, found):
    one = make(user_id="u")
    make(user_id="u")
    assert found({"user_id": "u", "memoryIds": {"in": [str(one.id)]}}) == ids(one)
    assert found({"user_id": "u", "memory_ids": []}) == set()


def test_it_names_a_malformed_memory_id():
    assert error_of({"user_id": "u", "memory_ids": [str(uuid.uuid4()), "id2"]}) == (
        'filters.memory_ids[1]: "id2" is not a valid memory ID'
    )
    assert error_of({"user_id": "u", "memory_ids": "x"}) == (
        'filters.memory_ids: expected a list of memory IDs or {"in": [...]}'
    )


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
