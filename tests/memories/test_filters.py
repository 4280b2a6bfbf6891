"""The filter language (API contract §4) on real PostgreSQL: every §4.4 example, the entity,
date, category, keyword and memory-id rules."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from memories.filters import (
    SCOPE_MESSAGE,
)
from memories.models import Memory
from tests.memories.filters_support import ALLOWED, at, error_of, found, ids, make, project  # noqa: F401

pytestmark = pytest.mark.django_db


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
