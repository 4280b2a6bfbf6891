"""What every part of the filter compiler shares: the error, the field names and small helpers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.errors import DomainError
from memories.models import ENTITY_ID_FIELDS


class FilterError(DomainError):
    """A filter the language does not allow; the message names the offending key or path."""


# Filter field -> Memory column: `timestamp` is what add calls the creation time.
DATE_COLUMNS = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "timestamp": "created_at",
    "expiration_date": "expiration_date",
}
TEXT_FIELDS = ("keywords", "text", "keywords_search")
LOGICAL_KEYS = ("AND", "OR", "NOT")
# The hosted allow-list, in its order (§4.1): the unknown-key message quotes it.
ALLOWED_KEYS = (
    *LOGICAL_KEYS,
    *ENTITY_ID_FIELDS,
    *DATE_COLUMNS,
    *("text", "categories", "metadata", "keywords_search", "memory_ids", "keywords"),
)

# A handler compiles one condition: (field or metadata key, operand, path) -> Q.
Handler = Callable[[str, Any, str], Q]
NOTHING = Q(pk__in=[])
_SIMPLE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# PostgreSQL cannot store NUL, and psycopg cannot encode unpaired surrogates (JSON allows both).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def all_of(parts: Iterable[Q]) -> Q:
    return Q(*parts)


def any_of(parts: Iterable[Q]) -> Q:
    parts = list(parts)
    # An empty OR is false, but an empty Q would match everything.
    return Q(*parts, _connector=Q.OR) if parts else NOTHING


def compile_ops(
    label: str, key: str, opmap: dict[Any, Any], path: str, handlers: dict[str, Handler], hint: str
) -> Q:
    """The AND of one condition per operator of ``opmap``; ``label`` names the field in errors."""
    if not opmap:
        raise FilterError(
            _("%(path)s: empty operator map; use %(hint)s") % {"path": path, "hint": hint}
        )
    parts = []
    for op, operand in opmap.items():
        handler = handlers.get(op) if isinstance(op, str) else None
        if handler is None:
            raise FilterError(
                _("%(path)s: operator %(op)s is not allowed for %(label)s; use %(hint)s")
                % {"path": path, "op": show(op), "label": label, "hint": hint}
            )
        parts.append(handler(key, operand, join_path(path, op)))
    return all_of(parts)


def string_value(value: Any, path: str, expected: str) -> str:
    if not isinstance(value, str):
        raise FilterError(expected_error(path, expected, value))
    if UNSTORABLE.search(value):
        raise FilterError(
            _("%(path)s: holds a NUL or unpaired surrogate character") % {"path": path}
        )
    return value


def list_of(value: Any, path: str, item: Callable[[Any, str], Any]) -> list[Any]:
    if not isinstance(value, list):
        raise FilterError(
            _("%(path)s: expected a list, got %(kind)s") % {"path": path, "kind": kind(value)}
        )
    return [item(element, f"{path}[{i}]") for i, element in enumerate(value)]


def join_path(path: str, key: Any) -> str:
    if isinstance(key, str) and _SIMPLE_KEY.fullmatch(key):
        return f"{path}.{key}"
    return f"{path}[{show(key)}]"


def show(value: Any) -> str:
    """A short JSON rendering of a key or value for error messages."""
    try:
        shown = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        shown = repr(value)
    return shown if len(shown) <= 80 else f"{shown[:77]}..."


def expected_error(path: str, expected: object, value: Any) -> str:
    """The message of a value of the wrong JSON type; `expected` may be a lazy translation."""
    return _("%(path)s: expected %(expected)s, got %(kind)s") % {
        "path": path,
        "expected": expected,
        "kind": kind(value),
    }


_KINDS = (
    (bool, gettext_lazy("a boolean")),  # before int: True is an int too
    (str, gettext_lazy("a string")),
    (int | float, gettext_lazy("a number")),
    (list, gettext_lazy("a list")),
    (dict, gettext_lazy("an object")),
    (type(None), "null"),
)


def kind(value: Any) -> str:
    """How an error message names the JSON type of ``value``."""
    return str(next((name for t, name in _KINDS if isinstance(value, t)), type(value).__name__))
