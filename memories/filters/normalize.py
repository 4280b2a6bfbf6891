"""From what a client sent (a dict, JSON text or a Python-repr dict) to a snake_case filter dict."""

from __future__ import annotations

import ast
import json
import warnings
from typing import Any

from django.utils.translation import gettext as _

from memories.filters.common import LOGICAL_KEYS, FilterError, join_path, kind, show
from memories.models import ENTITY_ID_FIELDS


def camel_case(name: str) -> str:
    """How the JS SDKs spell a field: `user_id` -> `userId`."""
    head, _sep, tail = name.partition("_")
    return head + tail.capitalize()


CAMEL_ALIASES = {
    camel_case(name): name
    for name in (*ENTITY_ID_FIELDS, "created_at", "updated_at", "expiration_date", "memory_ids")
}
MAX_DEPTH = 16
MAX_VALUES = 10_000
MAX_TEXT_LENGTH = 100_000


def normalize_filters(raw: object) -> dict[str, Any]:
    """Return the filter dict a client meant.

    ``raw`` may be a dict, JSON text or a Python-repr dict (the Python SDKs put dicts into query
    strings that way, §1.5). camelCase field names become snake_case in every clause (§1.6);
    metadata keys and operands are left as sent. Anything but an object is a ``FilterError``,
    and so are clauses nested deeper than ``MAX_DEPTH`` and filters of over ``MAX_VALUES``
    values."""
    if isinstance(raw, str):
        raw = _parse_text(raw)
    if not isinstance(raw, dict):
        raise FilterError(_("filters: expected an object, got %(kind)s") % {"kind": kind(raw)})
    _check_size(raw)
    return _normalize_clause(raw, "filters", 0)


def _parse_text(text: str) -> object:
    if len(text) > MAX_TEXT_LENGTH:
        raise FilterError(_("filters: longer than %(max)s characters") % {"max": MAX_TEXT_LENGTH})
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        pass
    try:
        # literal_eval warns about odd escapes in client text; those warnings are not ours.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise FilterError(_("filters: expected a JSON object or a Python dict literal")) from None


def _check_size(tree: object) -> None:
    # Iterative: an operand may nest deeper than Python recursion goes.
    stack, count = [tree], 0
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise FilterError(_("filters: more than %(max)s values") % {"max": MAX_VALUES})
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple | set | frozenset):
            stack.extend(node)


def _normalize_clause(clause: dict[Any, Any], path: str, depth: int) -> dict[Any, Any]:
    if depth > MAX_DEPTH:
        raise FilterError(
            _("%(path)s: clauses nest deeper than %(max)s levels")
            % {"path": path, "max": MAX_DEPTH}
        )
    normalized: dict[Any, Any] = {}
    sent_as: dict[Any, Any] = {}
    for key, value in clause.items():
        name = CAMEL_ALIASES.get(key, key)
        if name in normalized:
            raise FilterError(
                _("%(path)s: %(first)s and %(second)s both name %(name)s")
                % {"path": path, "first": show(sent_as[name]), "second": show(key), "name": name}
            )
        sent_as[name] = key
        if name in LOGICAL_KEYS:
            value = _normalize_logical(value, join_path(path, name), depth + 1)
        normalized[name] = value
    return normalized


def _normalize_logical(value: object, path: str, depth: int) -> object:
    if isinstance(value, dict):
        return _normalize_clause(value, path, depth)
    if isinstance(value, list):
        return [
            _normalize_clause(item, f"{path}[{i}]", depth) if isinstance(item, dict) else item
            for i, item in enumerate(value)
        ]
    return value
