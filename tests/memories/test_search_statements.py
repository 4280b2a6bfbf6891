"""The search statement template gives exactly the statement the ORM builds, for any filter.

memories/selectors/search_statements.py compiles a statement once per filter shape and fills in
the values of later requests. If a filled-in template ever differed from the ORM's statement,
search would quietly filter on another user's id or another project: so the property below
compares the two, parameter by parameter, for random filter trees of the filter language with
their values changed, on both index paths.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memories.filters import compile_filters
from memories.models import Memory
from memories.selectors import search_statements
from memories.selectors.search import UNUSED_COLUMNS, _candidates_sql, memory_search
from memories.selectors.search_dense import QueryVector
from memories.selectors.search_statements import candidates_statement
from memories.selectors.where import Selection, selection_where
from tests.factories import ProjectFactory
from tests.memories.test_filters_property import filter_trees, make_rows

VECTOR = [0.01 * (n % 7) for n in range(384)]
OTHER_VECTOR = [0.02 * (n % 5) for n in range(384)]


@pytest.fixture(autouse=True)
def _no_templates():
    search_statements.clear_templates()
    yield
    search_statements.clear_templates()


def other_values(node: Q) -> Q:
    """`node` with every value changed to another of the same kind (the same shape)."""
    copy = Q()
    copy.connector, copy.negated = node.connector, node.negated
    for child in node.children:
        if isinstance(child, Q):
            copy.children.append(other_values(child))
        elif isinstance(child, tuple):
            lookup, value = child
            copy.children.append((lookup, _other(value)))
        else:
            copy.children.append(child)  # an expression: never templated
    return copy


def _other(value):
    if isinstance(value, list | tuple):
        return type(value)(_other(v) for v in value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value + "-other"
    if isinstance(value, int | float):
        return value + 3
    if isinstance(value, datetime | date):
        return value + timedelta(days=3)
    if isinstance(value, uuid.UUID):
        return uuid.UUID(int=value.int + 3)
    if isinstance(value, dict):  # a metadata filter's dict, passed whole
        return {f"{key}-other": _other(item) for key, item in value.items()} | {"other": 1}
    return value


def comparable(built: tuple[str, list]) -> tuple:
    """psycopg's Jsonb wrappers (metadata filters) compare by identity: compare their data."""
    sql, params = built
    return sql, [getattr(param, "obj", param) for param in params]


def one(vector: list) -> list[QueryVector]:
    return [QueryVector("a-model", len(vector), vector)]


def statement(project, where: Q, words: str, vector, *, pool: int = 30, exact: bool = True):
    def build(project, where, words, vector):
        return _candidates_sql(project, where, words, one(vector), pool=pool, exact=exact)

    return candidates_statement(
        project=project, where=where, words=words, vector=vector, key=(pool, exact), build=build
    )


@pytest.mark.django_db
def test_a_filled_template_is_the_orm_statement_for_any_filter_tree():
    first, second = ProjectFactory(), ProjectFactory()

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(filter_trees, st.booleans(), st.sampled_from([30, 60]))
    def check(tree: dict[str, Any], exact: bool, pool: int) -> None:
        search_statements.clear_templates()
        where = selection_where(Selection(filters=tree, require_entity_scope=False))[0]
        changed = other_values(where)
        try:
            expected = _candidates_sql(
                second, changed, "lake sunrise paint", one(OTHER_VECTOR), pool=pool, exact=exact
            )
        except EmptyResultSet:  # an empty "in": search answers [] before any statement
            return

        statement(first, where, "wine trip", VECTOR, pool=pool, exact=exact)  # caches the shape
        got = statement(second, changed, "lake sunrise paint", OTHER_VECTOR, pool=pool, exact=exact)

        assert comparable(got) == comparable(expected)

    check()


@pytest.mark.django_db
def test_metadata_containment_is_templated_and_a_single_key_lookup_is_not():
    project = ProjectFactory()
    contains = selection_where(
        Selection(filters={"AND": [{"user_id": "alice"}, {"metadata": {"city": "Paris"}}]})
    )[0]
    key_lookup = Q(metadata__city="Paris") & Q(user_id="alice")

    statement(project, contains, "tea", VECTOR)
    statement(project, key_lookup, "tea", VECTOR)

    templates = list(search_statements._templates.values())
    assert len(templates) == 2
    assert templates[0] is not None  # the dict reaches the statement whole, wrapped as JSON
    assert templates[1] is None  # the key's value is transformed (json.dumps): ORM path
    rome = other_values(contains)
    assert comparable(statement(project, rome, "tea", VECTOR)) == comparable(
        _candidates_sql(project, rome, "tea", one(VECTOR), pool=30, exact=True)
    )
    assert comparable(statement(project, key_lookup, "tea", VECTOR)) == comparable(
        _candidates_sql(project, key_lookup, "tea", one(VECTOR), pool=30, exact=True)
    )


def test_the_values_of_one_search_never_reach_the_next(alice, add):
    add("Alice grows tomatoes in her garden", user_id="alice")
    add("Bob grows tomatoes on his balcony", user_id="bob")
    for user in ("alice", "bob", "alice"):
        where, exact = selection_where(Selection(filters={"user_id": user}))

        hits = memory_search(project=alice.project, query="tomatoes", where=where, exact=exact)

        assert [hit.memory.user_id for hit in hits] == [user]


def test_a_template_made_in_one_project_reads_only_the_next_project(alice, add, charlie):
    add("Alice keeps bees", user_id="sam")
    add("Charlie keeps bees", user_id="sam", client=charlie.client())
    where, exact = selection_where(Selection(filters={"user_id": "sam"}))

    mine = memory_search(project=alice.project, query="bees", where=where, exact=exact)
    theirs = memory_search(project=charlie.project, query="bees", where=where, exact=exact)

    assert [hit.memory.text for hit in mine] == ["Alice keeps bees"]
    assert [hit.memory.text for hit in theirs] == ["Charlie keeps bees"]


def test_a_filter_that_matches_nothing_finds_nothing(alice, add):
    add("Alice grows tomatoes", user_id="alice")

    response = alice.client().post(
        "/v3/memories/search/",
        {"query": "tomatoes", "filters": {"AND": [{"user_id": "alice"}, {"agent_id": {"in": []}}]}},
        format="json",
    )

    assert response.status_code == 200, response.content  # was a 500 (EmptyResultSet)
    assert response.json() == {"results": []}


def test_compiled_filters_of_the_same_shape_share_one_template():
    shapes = set()
    for user in ("a", "b", "c"):
        values: list = []
        shapes.add(search_statements._shape(compile_filters({"user_id": user}), values))
        assert values == [user]
    assert len(shapes) == 1


def test_a_hit_is_the_memory_the_orm_reads(alice, add):
    """Hits are built from the statement's row tuples (search_rows): every field must come out
    as the ORM gives it, JSON decoded and dates typed."""
    [memory_id] = add(
        "Alice drinks oolong tea",
        user_id="alice",
        metadata={"source": "chat", "n": 2},
        expiration_date="2099-01-31",
    )
    where, exact = selection_where(Selection(filters={"user_id": "alice"}))

    [hit] = memory_search(project=alice.project, query="oolong tea", where=where, exact=exact)

    stored = Memory.objects.defer(*UNUSED_COLUMNS).get(pk=memory_id)
    fields = [f.attname for f in Memory._meta.concrete_fields if f.name not in UNUSED_COLUMNS]
    assert {name: getattr(hit.memory, name) for name in fields} == {
        name: getattr(stored, name) for name in fields
    }
    assert hit.memory.metadata == {"source": "chat", "n": 2}
    assert hit.memory.distance is not None and hit.memory.bm25 > 0


@pytest.mark.django_db
def test_search_keeps_no_prepared_plan():
    """A generic plan cannot see how many rows the tsquery matches: PostgreSQL once chose, after
    five runs, a GIN bitmap over the whole project that made every later search 4x slower. Each
    search is planned with its own values."""
    project, _ = make_rows()
    where, exact = selection_where(Selection(filters={"user_id": "alice"}))
    for _ in range(8):
        memory_search(project=project, query="pizza invoice", where=where, exact=exact)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] == 0
