"""Parsing of what the SDKs send: ids, booleans, dates, messages, paging, repr'd dicts."""

from __future__ import annotations

import ast
import copy
import json
import math
import uuid
from datetime import UTC, date, datetime

from rest_framework import exceptions, serializers
from rest_framework.request import Request

from memories.filters.common import LOGICAL_KEYS, UNSTORABLE
from memories.filters.normalize import camel_case, normalize_filters
from memories.messages import MessageError, message_text
from memories.models import ENTITY_ID_FIELDS

# SDKs send these to name the project, which the API key has already decided.
SCOPE_PARAMS = {"org_id", "project_id"}
MAX_MESSAGES = 500
MAX_MESSAGE_CHARS = 100_000
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 100
MAX_ENTITY_ID_CHARS = 255  # the max_length of the user_id ... run_id and Entity.name columns


class BadRequest(exceptions.ValidationError):
    """400 with a plain `detail` message (and the same `error`)."""

    def __init__(self, message: str):
        super().__init__({"detail": message})


def reject_unstorable(data, *, name: str = "body") -> None:
    """400 for what jsonb and text columns refuse: a NUL or an unpaired surrogate in a string
    or key, or a number out of range (JSON's 1e400 parses as inf)."""
    stack = [(name, data)]
    while stack:  # not recursive: a deeply nested body must not raise RecursionError
        path, value = stack.pop()
        if isinstance(value, str) and UNSTORABLE.search(value):
            raise BadRequest(f"{path}: holds a NUL or unpaired surrogate character")
        if isinstance(value, float) and not math.isfinite(value):
            raise BadRequest(f"{path}: number out of range")
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and UNSTORABLE.search(key):
                    raise BadRequest(f"{path}: a key holds a NUL or unpaired surrogate character")
                shown = key if str(key).isidentifier() else json.dumps(key)[:60]
                stack.append((f"{path}.{shown}", item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", item) for index, item in enumerate(value))


def parse_memory_id(value: str, *, name: str = "memory_id") -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise BadRequest(f"{name} should be a valid UUID") from None


def parse_bool(value, *, name: str, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1", "yes"}:
        return True
    if text in {"false", "0", "no"}:
        return False
    raise BadRequest(f"{name}: expected true or false, got {value!r}")


def parse_loose_dict(value, *, name: str) -> dict | None:
    """A dict, or a string holding JSON or a Python repr (how httpx sends dicts in queries)."""
    if value in (None, "", "[object Object]"):  # JS 2.x stringifies objects in queries
        return None
    if isinstance(value, dict):
        return value
    for parse in (json.loads, ast.literal_eval):
        try:
            parsed = parse(value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(parsed, dict) and _is_json(parsed):  # a repr may hold sets, bytes, inf
            reject_unstorable(parsed, name=name)
            return parsed
    raise BadRequest(f"{name}: expected an object (JSON), got {str(value)[:100]!r}")


def _is_json(value) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return False
    return True


def parse_date(value, *, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise BadRequest(f"{name}: expected a date YYYY-MM-DD, got {value!r}") from None


def parse_day_or_time(value, *, name: str) -> date | datetime | None:
    """ "YYYY-MM-DD" (a whole UTC day) or an ISO-8601 datetime."""
    if value in (None, ""):
        return None
    if isinstance(value, str) and len(value) == 10:
        return parse_date(value, name=name)
    return parse_timestamp(value, name=name)


def parse_timestamp(value, *, name: str = "timestamp") -> datetime | None:
    """Unix seconds (int or float), or an ISO-8601 string; naive means UTC."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise BadRequest(f"{name}: expected Unix seconds or an ISO-8601 datetime")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise BadRequest(f"{name}: {value} is out of range") from None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name}: expected Unix seconds or an ISO-8601 datetime") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_messages(value) -> list[dict]:
    """A string, one message dict, or a list of {role, content} (what Python sends)."""
    if isinstance(value, str):
        value = [{"role": "user", "content": value}]
    elif isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not value:
        raise BadRequest("messages: a non-empty list of {role, content} is required")
    if len(value) > MAX_MESSAGES:
        raise BadRequest(f"messages: at most {MAX_MESSAGES} messages per call")
    messages = []
    for index, message in enumerate(value):
        if not isinstance(message, dict) or "content" not in message:
            raise BadRequest(f"messages[{index}]: expected an object with role and content")
        role = message.get("role", "user")
        if not isinstance(role, str) or role not in {"user", "assistant", "system"}:
            raise BadRequest(f"messages[{index}].role: must be user, assistant or system")
        try:
            text = message_text(message)
        except MessageError as exc:
            raise BadRequest(f"messages[{index}]: {exc}") from None
        if len(text) > MAX_MESSAGE_CHARS:
            raise BadRequest(
                f"messages[{index}].content: longer than {MAX_MESSAGE_CHARS} characters"
            )
        messages.append({**message, "role": role})
    return messages


def entity_ids_from(data: dict) -> dict[str, str | None]:
    """Top-level entity ids (snake or camel case) as strings; empty values count as absent."""
    ids = {}
    for name in ENTITY_ID_FIELDS:
        value = data.get(name, data.get(camel_case(name)))
        if value not in (None, ""):
            if not isinstance(value, str | int):
                raise BadRequest(f"{name}: expected a string")
            if len(str(value)) > MAX_ENTITY_ID_CHARS:
                raise BadRequest(f"{name}: at most {MAX_ENTITY_ID_CHARS} characters")
            ids[name] = str(value)
    return ids


def filters_with_top_level_ids(data, filters) -> dict | None:
    """`filters` (as sent: an object or its text) AND the entity ids at the top level of
    `data`, where old SDKs send them beside or instead of filters. One flat object when their
    keys do not meet, else an AND of the two; None when neither is given."""
    ids = entity_ids_from(data)
    tree = normalize_filters(filters) if filters else None
    if not ids or not tree:
        return ids or tree
    flat = not set(tree) & {*LOGICAL_KEYS, *ids}
    return {**tree, **ids} if flat else {"AND": [tree, ids]}


def page_params(request: Request, body: dict | None = None) -> tuple[int, int] | None:
    """(page, page_size) from the query (which wins) or the body; None when neither is given."""
    body = body or {}
    page = request.query_params.get("page", body.get("page"))
    size = request.query_params.get("page_size", body.get("page_size"))
    if page in (None, "") and size in (None, ""):
        return None
    return _bounded_int(page, "page", 1, 1, None), _bounded_int(
        size, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE
    )


def _bounded_int(value, name: str, default: int, low: int, high: int | None) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: 1e400 parses as inf
        raise BadRequest(f"{name}: expected an integer, got {value!r}") from None
    if number < low or (high is not None and number > high):
        bound = f"between {low} and {high}" if high else f"at least {low}"
        raise BadRequest(f"{name}: must be {bound}")
    return number


class ShallowFieldsSerializer(serializers.Serializer):
    """Each instance binds its own shallow copies of the declared fields.

    DRF deep-copies them, which runs every field's __init__ again: ~0.13 ms of a search's ~1.3 ms
    outside its own work. A copy is enough because validating reads a field and never changes it;
    binding sets the name and parent on the copy. Not for serializers with nested serializers,
    whose own bound fields a shallow copy would share.
    """

    def get_fields(self) -> dict:
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}


class StringListField(serializers.ListField):
    """A list of strings; a comma-separated string is accepted too (old docs send that)."""

    child = serializers.CharField(max_length=200)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = [item.strip() for item in data.split(",") if item.strip()]
        return super().to_internal_value(data)
