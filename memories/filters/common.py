"""What every part of the filter compiler shares: the error, the field names and small helpers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Q

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
UNKNOWN_KEY_MESSAGE = (
    f"Top-level key must be a logical operator or an allowed field: {list(ALLOWED_KEYS)}"
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
        raise FilterError(f"{path}: empty operator map; use {hint}")
    parts = []
    for op, operand in opmap.items():
        handler = handlers.get(op) if isinstance(op, str) else None
        if handler is None:
            raise FilterError(f"{path}: operator {show(op)} is not allowed for {label}; use {hint}")
        parts.append(handler(key, operand, join_path(path, op)))
    return all_of(parts)


def string_value(value: Any, path: str, expected: str) -> str:
    if not isinstance(value, str):
        raise FilterError(f"{path}: expected {expected}, got {kind(value)}")
    if UNSTORABLE.search(value):
        raise FilterError(f"{path}: holds a NUL or unpaired surrogate character")
    return value


def list_of(value: Any, path: str, item: Callable[[Any, str], Any]) -> list[Any]:
    if not isinstance(value, list):
        raise FilterError(f"{path}: expected a list, got {kind(value)}")
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


_KINDS = (
    (bool, "a boolean"),  # before int: True is an int too
    (str, "a string"),
    (int | float, "a number"),
    (list, "a list"),
    (dict, "an object"),
    (type(None), "null"),
)


def kind(value: Any) -> str:
    """How an error message names the JSON type of ``value``."""
    return next((name for t, name in _KINDS if isinstance(value, t)), type(value).__name__)
