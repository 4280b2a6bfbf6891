"""The Mem0 filter language (API contract §4), validated and compiled to a ``Q`` over ``Memory``.

``normalize_filters`` turns what a client sent into a dict, ``compile_filters`` validates and
compiles it, ``entity_scope`` tells search which entity IDs every match carries, and
``not_expired_q`` is §3.6's visibility rule. Every rejection is a ``FilterError`` (a
``DomainError``, so the API answers 400) whose message names the path, e.g.
``filters.AND[1].created_at``. The ``Q`` never mentions the project: callers always write
``Memory.objects.filter(project=project).filter(q)``.

Decisions where the contract is silent:

* ``NOT`` is a plain complement, nulls included: every condition is two-valued in SQL.
* ``ne`` is the complement of equality, so it matches null: on entity IDs (as §4.2 says), on
  ``expiration_date``, and on metadata keys (a missing key or null metadata is "not equal").
* An empty ``in`` list (and ``memory_ids: []``) matches nothing; ``NOT`` of it matches all.
* ``"*"`` is a wildcard only as a bare entity value; inside an operator it is an error.
* Entity IDs are non-empty strings and category names strings; numbers are not coerced.
* Dates are ``YYYY-MM-DD`` or ISO-8601 datetimes (``Z`` or an offset; naive means UTC). On
  ``created_at``, ``updated_at`` and ``timestamp`` a day is the whole UTC day: a bare day
  matches inside it and ``ne`` outside it, ``gte``/``lt`` compare with its first instant and
  ``lte``/``gt`` with its last. On ``expiration_date`` (a day) a datetime means its UTC date.
* ``categories``: a bare list means ``in``; a bare string means ``in`` of that one category.
  ``in`` is exact and case-sensitive; ``contains`` is a case-insensitive substring.
* ``keywords``, ``text`` and ``keywords_search``: a bare string means ``icontains``.
* Metadata operands are JSON scalars (null included). ``contains`` matches a string value
  containing the operand (case-sensitive) or an array value holding it as an element.
* ``{}`` matches everything (useful with ``require_entity_scope=False``); an empty nested
  clause, operator map or metadata object is an error.
* The entity-scope rule counts an ID anywhere outside ``NOT``, even in one branch of an ``OR``
  (as the hosted API does).
* Limits keep bad input away from server errors: ``MAX_DEPTH`` nested clauses, ``MAX_VALUES``
  values, category names up to the column's length, and no NUL characters.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from memories.filters.common import (
    ALLOWED_KEYS,
    FilterError,
    all_of,
    any_of,
    join_path,
    kind,
    show,
)
from memories.filters.fields import FIELD_HANDLERS
from memories.filters.normalize import MAX_DEPTH, MAX_VALUES, normalize_filters
from memories.models import ENTITY_ID_FIELDS

__all__ = [
    "ALLOWED_KEYS",
    "MAX_DEPTH",
    "MAX_VALUES",
    "SCOPE_MESSAGE",
    "FilterError",
    "compile_filters",
    "entity_scope",
    "normalize_filters",
    "not_expired_q",
]

SCOPE_MESSAGE = gettext_lazy(
    "filters need at least one positively-scoped entity ID (user_id, agent_id, app_id or "
    'run_id), e.g. {"user_id": "alice"}; an ID that appears only under NOT does not count'
)


def compile_filters(filters: dict[str, Any] | str, *, require_entity_scope: bool = True) -> Q:
    """Validate ``filters`` (normalising them first) and compile them to a ``Q`` over Memory.

    With ``require_entity_scope`` an entity ID must be scoped positively (a bare value, ``"*"``,
    ``eq`` or ``in``) somewhere outside ``NOT`` (§4.3)."""
    tree = normalize_filters(filters)
    q = _clause(tree, "filters", top=True)
    if require_entity_scope and not _has_positive_scope(tree):
        raise FilterError(str(SCOPE_MESSAGE))
    return q


def entity_scope(filters: dict[str, Any] | str) -> dict[str, str] | None:
    """The entity IDs every match must carry, e.g. ``{"user_id": "alice"}``; None if none.

    Only equalities with AND semantics count (sibling keys, ``AND`` lists, ``eq`` and
    one-element ``in``), so search can pick an exact scan for a small scope. Call it on
    filters that ``compile_filters`` accepted."""
    scope: dict[str, str] = {}
    _collect_scope(normalize_filters(filters), scope)
    return scope or None


def not_expired_q(today: date) -> Q:
    """Memories visible on ``today`` (a UTC date): no expiration date, or one not yet past
    (the day itself included, §3.6)."""
    return Q(expiration_date__isnull=True) | Q(expiration_date__gte=today)


def _clause(node: object, path: str, *, top: bool = False) -> Q:
    if not isinstance(node, dict):
        raise FilterError(
            _("%(path)s: expected a clause (an object), got %(kind)s")
            % {"path": path, "kind": kind(node)}
        )
    if not node and not top:
        raise FilterError(_("%(path)s: a clause needs at least one condition") % {"path": path})
    return all_of(_member(key, value, path) for key, value in node.items())


def _member(key: Any, value: Any, clause_path: str) -> Q:
    path = join_path(clause_path, key)
    if key in ("AND", "OR"):
        if not isinstance(value, list) or not value:
            raise FilterError(
                _("%(path)s: %(key)s takes a non-empty list of clauses")
                % {"path": path, "key": key}
            )
        parts = [_clause(item, f"{path}[{i}]") for i, item in enumerate(value)]
        return all_of(parts) if key == "AND" else any_of(parts)
    if key == "NOT":
        return ~any_of(_clause(item, item_path) for item, item_path in _not_items(value, path))
    handler = FIELD_HANDLERS.get(key) if isinstance(key, str) else None
    if handler is None:
        raise FilterError(
            _(
                "Top-level key must be a logical operator or an allowed field: %(allowed)s; "
                "got %(key)s in %(path)s"
            )
            % {"allowed": list(ALLOWED_KEYS), "key": show(key), "path": clause_path}
        )
    return handler(key, value, path)


def _not_items(value: object, path: str) -> list[tuple[object, str]]:
    if isinstance(value, dict):
        return [(value, path)]
    if isinstance(value, list) and value:
        return [(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise FilterError(
        _("%(path)s: NOT takes a clause or a non-empty list of clauses") % {"path": path}
    )


def _has_positive_scope(clause: dict[str, Any]) -> bool:
    for key, value in clause.items():
        if key in ENTITY_ID_FIELDS and (not isinstance(value, dict) or {"eq", "in"} & value.keys()):
            return True
        if key in ("AND", "OR") and any(_has_positive_scope(item) for item in value):
            return True
    return False


def _collect_scope(clause: dict[Any, Any], scope: dict[str, str]) -> None:
    for key, value in clause.items():
        pinned = _pinned_id(value) if key in ENTITY_ID_FIELDS else None
        if pinned is not None:
            # A second, different value means no row matches, so keeping either is true.
            scope.setdefault(key, pinned)
        elif key == "AND" and isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    _collect_scope(item, scope)


def _pinned_id(value: Any) -> str | None:
    if isinstance(value, dict):
        listed = value.get("in")
        value = value.get(
            "eq", listed[0] if isinstance(listed, list) and len(listed) == 1 else None
        )
    return value if isinstance(value, str) and value not in ("", "*") else None
