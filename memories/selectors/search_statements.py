"""The search statement, compiled once per filter shape and then filled in.

Building the candidates statement through the ORM (memories_of().filter(where), nearest_of,
bm25_ctes) costs ~3 ms of Python per search, more than PostgreSQL takes to run it. Requests
differ in their values far more than in their shape: `{"user_id": X}` is one shape whatever X
is. So the first request of a shape compiles it a second time with a sentinel in place of every
value (the project, each filter value, the query vector and words), notes where each sentinel
landed among the parameters, and keeps the SQL with that parameter template; later requests of
the shape only fill the template in (~20 us).

A metadata filter's dict (`metadata @> %s`) is one value too: the ORM passes it whole, wrapped
for psycopg as JSON, and the template re-wraps the request's dict the same way.

Safety: a shape is cached only if its template, filled with the first request's own values,
reproduces exactly the statement the ORM built for them. Where the ORM transforms a value
(a metadata key compared alone, `icontains`, a naive datetime), the sentinel is not found
verbatim, the check fails, and that shape keeps the ORM path.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q

from accounts.models import Project
from memories.selectors.search_lexical import vector_literal

logger = logging.getLogger(__name__)
MAX_SHAPES = 256
# (sql, params) for a project, where, words, vector; None when the query has no words.
Builder = Callable[[Project, Q, str, list], tuple[str, list] | None]

# The query's words; the statement passes them to the SQL that segments them (memories/text.py).
_SENTINEL_QUERY = "zqxsentinelone zqxsentineltwo"


@dataclass(frozen=True)
class _Template:
    sql: str
    params: tuple
    slots: tuple[tuple[int, str, int], ...]  # (parameter position, kind, value index)


_templates: dict[tuple, _Template | None] = {}  # None: this shape cannot be templated
_lock = threading.Lock()


def candidates_statement(
    *, project: Project, where: Q, words: str, vector: list, key: tuple, build: Builder
) -> tuple[str, list] | None:
    """What `build(project, where, words, vector)` returns, from the template of the shape of
    `where` (and of `key`: whatever else changes the statement, such as the pool size)."""
    values: list = []
    shape = _shape(where, values)
    if shape is None:
        return build(project, where, words, vector)
    cache_key = (shape, key)
    with _lock:
        known = cache_key in _templates
        template = _templates.get(cache_key)
    if template is not None:
        return _fill(template, project, values, words, vector)
    built = build(project, where, words, vector)
    if not known and built is not None:
        template = _template(where, values, vector, build)
        filled = template and _fill(template, project, values, words, vector)
        if template is None or _comparable(filled) != _comparable(built):
            logger.debug("search statement shape not templated: %s", shape)
            template = None
        with _lock:
            if len(_templates) >= MAX_SHAPES:
                del _templates[next(iter(_templates))]  # the oldest
            _templates[cache_key] = template
    return built


def clear_templates() -> None:
    with _lock:
        _templates.clear()


def _shape(node: Q, values: list) -> tuple | None:
    """The structure of `node` with its values replaced by their types (collected into
    `values`, in order); None for anything but plain lookups on plain values."""
    children = []
    for child in node.children:
        if isinstance(child, Q):
            shape = _shape(child, values)
            if shape is None:
                return None
            children.append(shape)
            continue
        if not (isinstance(child, tuple) and len(child) == 2):
            return None
        lookup, value = child
        if value is None or isinstance(value, bool):
            children.append((lookup, repr(value)))  # they change the SQL (IS NULL), so literal
        elif isinstance(value, list | tuple) and all(map(_plain, value)):
            values.extend(value)
            children.append((lookup, type(value).__name__, tuple(map(_kind, value))))
        elif _plain(value):
            values.append(value)
            children.append((lookup, _kind(value)))
        elif isinstance(value, dict):
            values.append(value)
            children.append((lookup, "dict"))
        else:
            return None
    return (node.connector, node.negated, tuple(children))


def _plain(value) -> bool:
    return isinstance(value, str | int | float | date | uuid.UUID) and not isinstance(value, bool)


def _kind(value) -> str:
    aware = isinstance(value, datetime) and value.tzinfo is not None
    return type(value).__name__ + ("+tz" if aware else "")


def _sentinel(value, index: int):
    """A value of the same kind as `value` that no real statement parameter equals."""
    if isinstance(value, str):
        return f"\x1esentinel-{index}\x1e"
    if isinstance(value, int):
        return -7_000_000_000_000 - index
    if isinstance(value, float):
        return -9.5e12 - index
    if isinstance(value, datetime):
        return datetime(1, 1, 2, tzinfo=value.tzinfo) + timedelta(microseconds=index)
    if isinstance(value, date):
        return date(1, 1, 1) + timedelta(days=index)
    if isinstance(value, dict):
        return {_dict_sentinel_key(index): index}
    return uuid.UUID(int=(0xE5 << 120) + index)


def _dict_sentinel_key(index: int) -> str:
    return f"\x1esentinel-dict-{index}\x1e"


def _with_sentinels(node: Q, sentinels: list) -> Q:
    """`node` with its values replaced, in `_shape`'s order, by `sentinels` (consumed)."""
    copy = Q()
    copy.connector, copy.negated = node.connector, node.negated
    for child in node.children:
        if isinstance(child, Q):
            copy.children.append(_with_sentinels(child, sentinels))
            continue
        lookup, value = child
        if value is None or isinstance(value, bool):
            copy.children.append(child)
        elif isinstance(value, list | tuple):
            copy.children.append((lookup, type(value)(sentinels.pop(0) for _ in value)))
        else:
            copy.children.append((lookup, sentinels.pop(0)))
    return copy


def _template(where: Q, values: list, vector: list, build: Builder) -> _Template | None:
    sentinels = [_sentinel(value, index) for index, value in enumerate(values)]
    project = Project(pk=_sentinel(0, len(values)))
    fake_vector = [-8.5 - index for index in range(len(vector))]
    try:
        sentinel_where = _with_sentinels(where, list(sentinels))
        built = build(project, sentinel_where, _SENTINEL_QUERY, fake_vector)
    except Exception:  # a field refused its sentinel (a str for a UUID...): the ORM path it is
        return None
    if built is None:
        return None
    sql, params = built
    fixed = {
        _SENTINEL_QUERY: "words",
        vector_literal(fake_vector): "vector",
    }
    found = {_hashable_sentinel(sentinel): index for index, sentinel in enumerate(sentinels)}
    slots, used = [], set()
    for position, param in enumerate(params):
        dict_key = _wrapped_dict_key(param)
        if dict_key in found:  # a dict the ORM passed whole, wrapped as JSON
            slots.append((position, "json", found[dict_key]))
            used.add(found[dict_key])
        elif isinstance(param, list | tuple) and param and all(p in found for p in param):
            slots.append((position, "list", found[param[0]]))
            used.update(found[p] for p in param)
        elif _hashable(param) and param in found:
            slots.append((position, "value", found[param]))
            used.add(found[param])
        elif _hashable(param) and param == project.pk:
            slots.append((position, "project", 0))
        elif isinstance(param, str) and param in fixed:
            slots.append((position, fixed[param], 0))
    if len(used) != len(values):
        return None  # a value was transformed on its way into the statement
    return _Template(sql=sql, params=tuple(params), slots=tuple(slots))


def _fill(
    template: _Template, project: Project, values: list, words: str, vector: list
) -> tuple[str, list]:
    params = list(template.params)
    literal = None
    for position, kind, index in template.slots:
        if kind == "value":
            params[position] = values[index]
        elif kind == "list":
            size = len(template.params[position])
            params[position] = type(template.params[position])(values[index : index + size])
        elif kind == "project":
            params[position] = project.pk
        elif kind == "words":
            params[position] = words
        elif kind == "json":
            wrapper = template.params[position]
            params[position] = type(wrapper)(values[index], dumps=wrapper.dumps)
        else:
            literal = literal or vector_literal(vector)
            params[position] = literal
    return template.sql, params


def _hashable(value) -> bool:
    return not isinstance(value, list | dict | set)


def _hashable_sentinel(sentinel):
    """Dict sentinels are found by their one key."""
    return ("dict", next(iter(sentinel))) if isinstance(sentinel, dict) else sentinel


def _wrapped_dict_key(param):
    """The lookup key of a JSON-wrapped dict sentinel (psycopg's Jsonb has `obj` and `dumps`),
    or None for any other parameter."""
    obj = getattr(param, "obj", None)
    if isinstance(obj, dict) and len(obj) == 1 and hasattr(param, "dumps"):
        return ("dict", next(iter(obj)))
    return None


def _comparable(statement: tuple[str, list]) -> tuple:
    """JSON wrappers compare by identity: compare what they wrap and how they are dumped."""
    sql, params = statement
    return sql, [
        (type(p), p.obj, p.dumps) if hasattr(p, "obj") and hasattr(p, "dumps") else p
        for p in params
    ]
