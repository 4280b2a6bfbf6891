"""Property tests: compiled filters select exactly what a plain-Python reading of §4.2 selects.

The reference evaluator below is written from the contract, not from memories.filters, and the
rows and filter values come from small pools so that conditions often match and often touch the
day boundaries, nulls and type distinctions (1, 1.0, true, "1") that are easy to get wrong.
"""

from __future__ import annotations

import contextlib
import json
import random
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memories.filters import (
    ALLOWED_KEYS,
    SCOPE_MESSAGE,
    FilterError,
    compile_filters,
    entity_scope,
    normalize_filters,
)
from memories.models import Memory
from tests.factories import ProjectFactory

ENTITY_FIELDS = ("user_id", "agent_id", "app_id", "run_id")
DATE_FIELDS = ("created_at", "updated_at", "timestamp", "expiration_date")
TEXT_FIELDS = ("keywords", "text", "keywords_search")
ROW_COUNT = 30
ROW_IDS = [uuid.UUID(int=n + 1) for n in range(ROW_COUNT)]

ENTITY_POOL = ["alice", "bob", "travel", "r1"]
ROW_ENTITIES = {
    "user_id": [None, "alice", "bob", "carol"],
    "agent_id": [None, None, "travel", "sports"],
    "app_id": [None, "app"],
    "run_id": [None, "r1", "r2"],
}
CATEGORY_POOL = ["finance", "Food", "seafood", "spam", "work"]
INSTANTS = [
    datetime(2024, 6, 30, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2024, 7, 1, 0, 0, tzinfo=UTC),
    datetime(2024, 7, 1, 12, 0, tzinfo=UTC),
    datetime(2024, 7, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2024, 8, 1, 0, 0, tzinfo=UTC),
]
DAYS = [None, date(2024, 7, 1), date(2024, 7, 31), date(2030, 1, 1)]
DATE_POOL = [
    "2024-06-30",
    "2024-07-01",
    "2024-07-31",
    "2024-07-01T00:00:00Z",
    "2024-07-01T14:00:00+02:00",
    "2024-07-31T23:59:59.999999",
    "2024-08-01T00:00:00Z",
    "2030-01-01",
]
METADATA_POOL: list[Any] = [
    None,
    {},
    {"type": "semantic"},
    {"type": "episodic", "n": 1},
    {"type": "Semantic web", "n": 1.5},
    {"n": True},
    {"n": "1"},
    {"n": None, "tags": ["a", 1]},
    {"tags": ["semantic", "b"]},
    {"tags": "a, b"},
]
META_KEYS = ["type", "n", "tags", "absent"]
META_VALUES: list[Any] = ["semantic", "Semantic", "episodic", "a", 1, 1.0, 1.5, True, False, None]
TEXT_POOL = ["Paid the Invoice", "invoice 50% due", "Likes pizza", "snake_case", "nothing"]
NEEDLES = ["invoice", "Invoice", "50%", "_", "pizza", "e", "zzz", ""]


# --- the rows ---------------------------------------------------------------------------------


def make_rows() -> tuple[Any, list[dict[str, Any]]]:
    """~30 rows in a fresh project, and how they read back from the database."""
    project, rng = ProjectFactory(), random.Random(20240701)

    def spread(pool: list[Any]) -> list[Any]:
        # Every pool value lands on at least one row, in a shuffled order.
        values = (pool * ROW_COUNT)[:ROW_COUNT]
        rng.shuffle(values)
        return values

    columns = {field: spread(pool) for field, pool in ROW_ENTITIES.items()}
    columns |= {"text": spread(TEXT_POOL), "metadata": spread(METADATA_POOL)}
    columns |= {"created_at": spread(INSTANTS), "expiration_date": spread(DAYS)}
    updated = spread(INSTANTS)
    for n, memory_id in enumerate(ROW_IDS):
        fields = {name: values[n] for name, values in columns.items()}
        categories = rng.sample(CATEGORY_POOL, rng.randint(0, 2))
        Memory.objects.create(
            id=memory_id, project=project, hash="0" * 32, categories=categories, **fields
        )
        Memory.objects.filter(id=memory_id).update(updated_at=updated[n])
    return project, list(Memory.objects.filter(project=project).values())


# --- the reference evaluator ------------------------------------------------------------------


def matches(clause: dict[str, Any], row: dict[str, Any]) -> bool:
    return all(member(key, value, row) for key, value in clause.items())


def member(key: str, value: Any, row: dict[str, Any]) -> bool:
    if key == "AND":
        return all(matches(c, row) for c in value)
    if key == "OR":
        return any(matches(c, row) for c in value)
    if key == "NOT":
        return not any(matches(c, row) for c in (value if isinstance(value, list) else [value]))
    if key in ENTITY_FIELDS:
        return entity_matches(row[key], value)
    if key in DATE_FIELDS:
        column = "created_at" if key == "timestamp" else key
        return date_matches(row[column], value)
    if key == "categories":
        return categories_match(row["categories"], value)
    if key in TEXT_FIELDS:
        return text_matches(row["text"], value)
    if key == "memory_ids":
        wanted = value["in"] if isinstance(value, dict) else value
        return row["id"] in {uuid.UUID(v) for v in wanted}
    return all(metadata_matches(row["metadata"], k, v) for k, v in value.items())


def entity_matches(stored: str | None, value: Any) -> bool:
    if value == "*":
        return stored is not None
    if not isinstance(value, dict):
        return stored == value
    checks = {"eq": lambda v: stored == v, "ne": lambda v: stored != v, "in": lambda v: stored in v}
    return all(checks[op](operand) for op, operand in value.items())


def date_matches(stored: datetime | date | None, value: Any) -> bool:
    ops = value if isinstance(value, dict) else {"eq": value}
    return all(date_op(stored, op, operand) for op, operand in ops.items())


def date_op(stored: datetime | date | None, op: str, operand: Any) -> bool:
    if op == "in":
        return any(date_op(stored, "eq", v) for v in operand)
    if op == "ne":
        return not date_op(stored, "eq", operand)
    if stored is None:
        return False
    left, right = comparable(stored, operand)
    compare = {
        "eq": left == right,
        "gt": left > right,
        "gte": left >= right,
        "lt": left < right,
        "lte": left <= right,
    }
    return compare[op]


def comparable(stored: datetime | date, operand: str) -> tuple[Any, Any]:
    """A day against a day (its UTC date for a datetime), an instant against an instant."""
    if len(operand) == 10:
        day = date.fromisoformat(operand)
        return (stored.astimezone(UTC).date() if isinstance(stored, datetime) else stored), day
    instant = datetime.fromisoformat(operand.replace("Z", "+00:00"))
    instant = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
    if isinstance(stored, datetime):
        return stored, instant
    return stored, instant.astimezone(UTC).date()


def categories_match(stored: list[str], value: Any) -> bool:
    if isinstance(value, str | list):
        value = {"in": [value] if isinstance(value, str) else value}
    checks = {
        "in": lambda names: bool(set(stored) & set(names)),
        "contains": lambda needle: any(needle.lower() in name.lower() for name in stored),
    }
    return all(checks[op](operand) for op, operand in value.items())


def text_matches(stored: str, value: Any) -> bool:
    ops = value if isinstance(value, dict) else {"icontains": value}
    checks = {
        "contains": lambda needle: needle in stored,
        "icontains": lambda needle: needle.lower() in stored.lower(),
    }
    return all(checks[op](operand) for op, operand in ops.items())


def json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, int | float) else type(value).__name__


def json_equal(a: Any, b: Any) -> bool:
    return json_kind(a) == json_kind(b) and a == b


def metadata_matches(metadata: Any, key: str, value: Any) -> bool:
    ops = value if isinstance(value, dict) else {"eq": value}
    return all(metadata_op(metadata, key, op, operand) for op, operand in ops.items())


def metadata_op(metadata: Any, key: str, op: str, operand: Any) -> bool:
    present = isinstance(metadata, dict) and key in metadata
    stored = metadata[key] if present else None
    if op == "ne":
        return not metadata_op(metadata, key, "eq", operand)
    if op == "eq":
        return present and json_equal(stored, operand)
    if isinstance(stored, list):
        return present and any(json_equal(item, operand) for item in stored)
    return present and isinstance(stored, str) and isinstance(operand, str) and operand in stored


def positively_scoped(clause: dict[str, Any]) -> bool:
    for key, value in clause.items():
        if key in ENTITY_FIELDS and (not isinstance(value, dict) or "eq" in value or "in" in value):
            return True
        if key in ("AND", "OR") and any(positively_scoped(c) for c in value):
            return True
    return False


# --- valid filter trees -----------------------------------------------------------------------


def op_map(**operands: st.SearchStrategy) -> st.SearchStrategy:
    return st.fixed_dictionaries({}, optional=operands).filter(bool)


entity_ids = st.sampled_from(ENTITY_POOL)
entity_condition = st.one_of(
    entity_ids,
    st.just("*"),
    op_map(eq=entity_ids, ne=entity_ids, **{"in": st.lists(entity_ids, max_size=3)}),
)
dates = st.sampled_from(DATE_POOL)
date_condition = st.one_of(
    dates,
    op_map(
        gt=dates, gte=dates, lt=dates, lte=dates, ne=dates, **{"in": st.lists(dates, max_size=3)}
    ),
)
category_names = st.sampled_from([*CATEGORY_POOL, "food"])
category_condition = st.one_of(
    category_names,
    st.lists(category_names, max_size=3),
    op_map(contains=st.sampled_from(["FOOD", "fin", "o", "x", ""])),
    op_map(**{"in": st.lists(category_names, max_size=3)}),
)
needles = st.sampled_from(NEEDLES)
text_condition = st.one_of(needles, op_map(contains=needles, icontains=needles))
meta_values = st.sampled_from(META_VALUES)
metadata_condition = st.dictionaries(
    st.sampled_from(META_KEYS),
    st.one_of(meta_values, op_map(eq=meta_values, ne=meta_values, contains=meta_values)),
    min_size=1,
    max_size=2,
)
memory_id_list = st.lists(st.sampled_from([*ROW_IDS[:8], uuid.UUID(int=999)]).map(str), max_size=4)
CONDITIONS: dict[str, st.SearchStrategy] = {
    **dict.fromkeys(ENTITY_FIELDS, entity_condition),
    **dict.fromkeys(DATE_FIELDS, date_condition),
    **dict.fromkeys(TEXT_FIELDS, text_condition),
    "categories": category_condition,
    "metadata": metadata_condition,
    "memory_ids": st.one_of(memory_id_list, memory_id_list.map(lambda ids: {"in": ids})),
}

leaf_clauses = st.lists(st.sampled_from(sorted(CONDITIONS)), min_size=1, max_size=2, unique=True)
leaf_clauses = leaf_clauses.flatmap(
    lambda keys: st.fixed_dictionaries({k: CONDITIONS[k] for k in keys})
)


def extend(children: st.SearchStrategy) -> st.SearchStrategy:
    lists = st.lists(children, min_size=1, max_size=3)
    return st.one_of(
        lists.map(lambda cs: {"AND": cs}),
        lists.map(lambda cs: {"OR": cs}),
        children.map(lambda c: {"NOT": c}),
        lists.map(lambda cs: {"NOT": cs}),
        st.tuples(leaf_clauses, lists, lists).map(lambda t: {**t[0], "AND": t[1], "OR": t[2]}),
    )


filter_trees = st.recursive(leaf_clauses, extend, max_leaves=8)


@pytest.mark.django_db
def test_it_selects_exactly_what_the_reference_selects():
    project, rows = make_rows()

    # Rows are built once per test, not per example, so the function-scoped db fixture is fine.
    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(filter_trees)
    def check(tree: dict[str, Any]) -> None:
        q = compile_filters(tree, require_entity_scope=False)
        got = set(Memory.objects.filter(project=project).filter(q).values_list("id", flat=True))
        assert got == {row["id"] for row in rows if matches(tree, row)}

    check()


@pytest.mark.django_db
def test_it_pins_every_match_to_the_reported_entity_scope():
    _, rows = make_rows()

    @settings(max_examples=150, deadline=None)
    @given(filter_trees)
    def check(tree: dict[str, Any]) -> None:
        scope = entity_scope(tree) or {}
        for row in rows:
            if matches(tree, row):
                assert all(row[field] == value for field, value in scope.items())

    check()


@settings(max_examples=200, deadline=None)
@given(filter_trees)
def test_it_requires_a_positive_entity_scope_exactly_when_the_rule_says(tree):
    if positively_scoped(tree):
        compile_filters(tree)
    else:
        with pytest.raises(FilterError) as caught:
            compile_filters(tree)
        assert str(caught.value) == SCOPE_MESSAGE


# --- invalid trees ----------------------------------------------------------------------------

not_scalars = st.one_of(
    st.lists(st.integers(), min_size=1, max_size=2), st.dictionaries(st.text(), st.none())
)
not_strings = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), not_scalars)
invalid_leaves = st.one_of(
    st.sampled_from(
        [
            {"created_at": {"eq": "2024-07-01"}},
            {"user_id": {"nin": ["alice"]}},
            {"user_id": {"eq": "*"}},
            {"user_id": {}},
            {"user_id": ""},
            {"categories": {"eq": "food"}},
            {"categories": {"ne": "food"}},
            {"metadata": {"n": {"gt": 1}}},
            {"metadata": {"n": {"in": [1]}}},
            {"metadata": {"a": {"b": 1}}},
            {"metadata": {}},
            {"memory_ids": ["id1"]},
            {"memory_ids": {"nin": []}},
            {"keywords": {"eq": "x"}},
            {"AND": []},
            {"OR": {"user_id": "alice"}},
            {"NOT": []},
            {"NOT": "x"},
            {"AND": [{}]},
            {"score": 1},
            {"and": [{"user_id": "alice"}]},
        ]
    ),
    st.builds(lambda f, v: {f: v}, st.sampled_from(ENTITY_FIELDS), not_strings),
    st.builds(lambda f, v: {f: {"in": v}}, st.sampled_from(ENTITY_FIELDS), not_scalars),
    st.builds(
        lambda f, v: {f: v},
        st.sampled_from(DATE_FIELDS),
        st.text(max_size=12).filter(lambda text: not parses_as_a_date(text)),
    ),
    st.builds(lambda v: {"metadata": {"n": v}}, not_scalars),
    st.builds(lambda v: {"keywords": v}, not_strings),
    st.builds(lambda v: {"memory_ids": [v]}, st.text(max_size=8)),
)


def parses_as_a_date(text: str) -> bool:
    """Python's ISO parsers accept a superset of the filter language's date forms."""
    for parse in (date.fromisoformat, datetime.fromisoformat):
        try:
            parse(text)
            return True
        except ValueError:
            pass
    return False


def embed(valid: dict[str, Any], invalid: dict[str, Any], where: int) -> dict[str, Any]:
    """Put an invalid clause somewhere in a valid tree: compiling must still reject it."""
    return [
        {"AND": [valid, invalid]},
        {"OR": [invalid, valid]},
        {"NOT": [valid, {"AND": [invalid]}]},
        {**valid, "OR": [valid, invalid]} if "OR" not in valid else {"AND": [invalid]},
    ][where]


@settings(max_examples=300, deadline=None)
@given(filter_trees, invalid_leaves, st.integers(0, 3), st.booleans())
def test_it_rejects_any_invalid_tree_with_a_filter_error(valid, invalid, where, scoped):
    with pytest.raises(FilterError):
        compile_filters(embed(valid, invalid, where), require_entity_scope=scoped)


# --- fuzzing ----------------------------------------------------------------------------------

vocabulary = st.sampled_from(
    [
        *ALLOWED_KEYS,
        *("userId", "memoryIds", "eq", "ne", "in", "gt", "gte", "lt", "lte", "contains"),
        *("icontains", "type", "n", "*"),
    ]
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=10),
    vocabulary,
    st.sampled_from([*DATE_POOL, str(ROW_IDS[0])]),
)
json_like = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(vocabulary, st.text(max_size=5)), children, max_size=4),
    ),
    max_leaves=25,
)


@pytest.mark.django_db
def test_it_only_ever_raises_filter_errors_and_runs_whatever_it_compiles():
    project = ProjectFactory()

    @settings(max_examples=400, deadline=None)
    @given(json_like, st.booleans(), st.sampled_from(["object", "json", "repr"]))
    def check(raw: Any, scoped: bool, form: str) -> None:
        sent = {"object": raw, "json": json.dumps(raw), "repr": repr(raw)}[form]
        try:
            q = compile_filters(normalize_filters(sent), require_entity_scope=scoped)
        except FilterError:
            return
        list(Memory.objects.filter(project=project).filter(q)[:1])

    check()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_it_only_raises_filter_errors_for_any_text(text):
    with contextlib.suppress(FilterError):
        compile_filters(text)
