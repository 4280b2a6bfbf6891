"""One compiler per filter field (§4.2): ``FIELD_HANDLERS[field](field, value, path) -> Q``."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from django.db.models import BooleanField, F, Func, Q, Value
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from memories.filters.common import (
    DATE_COLUMNS,
    NOTHING,
    TEXT_FIELDS,
    FilterError,
    Handler,
    all_of,
    any_of,
    compile_ops,
    expected_error,
    join_path,
    list_of,
    show,
    string_value,
)
from memories.models import ENTITY_ID_FIELDS, Memory

# --- entity IDs -------------------------------------------------------------------------------

ENTITY_HINT = gettext_lazy('eq, ne, in, "*" or a bare value')


def _entity(field: str, value: Any, path: str) -> Q:
    if value == "*":
        return Q(**{f"{field}__isnull": False})
    if isinstance(value, dict):
        return compile_ops(field, field, value, path, ENTITY_HANDLERS, ENTITY_HINT)
    return _entity_eq(field, value, path)


def _entity_eq(field: str, value: Any, path: str) -> Q:
    return Q(**{field: _entity_id(value, path)})


def _entity_ne(field: str, value: Any, path: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | ~_entity_eq(field, value, path)


def _entity_in(field: str, value: Any, path: str) -> Q:
    ids = list_of(value, path, _entity_id)
    return Q(**{f"{field}__in": ids}) if ids else NOTHING


def _entity_id(value: Any, path: str) -> str:
    expected = _('an entity ID (a non-empty string), "*" or an operator map')
    text = string_value(value, path, expected)
    if text == "*":
        raise FilterError(_('%(path)s: "*" is a wildcard only as a bare value') % {"path": path})
    if not text:
        raise FilterError(_("%(path)s: an entity ID cannot be empty") % {"path": path})
    return text


ENTITY_HANDLERS: dict[str, Handler] = {"eq": _entity_eq, "ne": _entity_ne, "in": _entity_in}

# --- dates ------------------------------------------------------------------------------------

DATE_HINT = gettext_lazy("gt, gte, lt, lte, ne, in or a bare value")
DATE_EXPECTED = gettext_lazy("a date (YYYY-MM-DD) or an ISO-8601 datetime")
_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ].+", re.DOTALL)


def _date(field: str, value: Any, path: str) -> Q:
    if isinstance(value, dict):
        return compile_ops(field, field, value, path, DATE_HANDLERS, DATE_HINT)
    return _date_eq(field, value, path)


def _span(field: str, value: Any, path: str) -> tuple[date | datetime, date | datetime]:
    """The first and last instant (or day, on a day column) that a filter value stands for."""
    moment = _parse_moment(string_value(value, path, DATE_EXPECTED))
    if moment is None:
        raise FilterError(
            _("%(path)s: %(value)s is not %(expected)s (or is out of range)")
            % {"path": path, "value": show(value), "expected": DATE_EXPECTED}
        )
    if DATE_COLUMNS[field] == "expiration_date":
        day = moment.date() if isinstance(moment, datetime) else moment
        return day, day
    if isinstance(moment, datetime):
        return moment, moment
    return datetime.combine(moment, time.min, UTC), datetime.combine(moment, time.max, UTC)


def _parse_moment(text: str) -> date | datetime | None:
    """A date, or a datetime in UTC (a naive one is taken as UTC); None if ``text`` is neither."""
    try:
        if _DATE_ONLY.fullmatch(text):
            return date.fromisoformat(text)
        if _DATE_TIME.fullmatch(text):
            moment = datetime.fromisoformat(text)
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        pass
    return None


def _date_bound(lookup: str, end: int) -> Handler:
    """gt/lte compare with the last instant of a day (``end`` 1), gte/lt with the first (0)."""

    def handler(field: str, value: Any, path: str) -> Q:
        return Q(**{f"{DATE_COLUMNS[field]}__{lookup}": _span(field, value, path)[end]})

    return handler


def _date_eq(field: str, value: Any, path: str) -> Q:
    first, last = _span(field, value, path)
    column = DATE_COLUMNS[field]
    return Q(**{column: first}) if first == last else Q(**{f"{column}__range": (first, last)})


def _date_ne(field: str, value: Any, path: str) -> Q:
    return Q(**{f"{DATE_COLUMNS[field]}__isnull": True}) | ~_date_eq(field, value, path)


def _date_in(field: str, value: Any, path: str) -> Q:
    return any_of(list_of(value, path, lambda v, p: _date_eq(field, v, p)))


DATE_HANDLERS: dict[str, Handler] = {
    "gt": _date_bound("gt", 1),
    "gte": _date_bound("gte", 0),
    "lt": _date_bound("lt", 0),
    "lte": _date_bound("lte", 1),
    "ne": _date_ne,
    "in": _date_in,
}

# --- categories -------------------------------------------------------------------------------

CATEGORIES_HINT = gettext_lazy("in, contains, a bare list or a bare string")
# A longer filter value would be truncated by Django's varchar(n)[] cast, and then match.
CATEGORY_MAX_LENGTH = Memory._meta.get_field("categories").base_field.max_length


def _categories(field: str, value: Any, path: str) -> Q:
    if isinstance(value, dict):
        return compile_ops(field, field, value, path, CATEGORY_HANDLERS, CATEGORIES_HINT)
    if isinstance(value, str | list):
        return _categories_in(field, [value] if isinstance(value, str) else value, path)
    raise FilterError(expected_error(path, CATEGORIES_HINT, value))


def _categories_in(field: str, value: Any, path: str) -> Q:
    names = list_of(value, path, _category)
    return Q(categories__overlap=names) if names else NOTHING


def _category(value: Any, path: str) -> str:
    name = string_value(value, path, _("a category name"))
    if len(name) > CATEGORY_MAX_LENGTH:
        raise FilterError(
            _("%(path)s: category names are at most %(max)s characters")
            % {"path": path, "max": CATEGORY_MAX_LENGTH}
        )
    return name


def _categories_contains(field: str, value: Any, path: str) -> Q:
    needle = string_value(value, path, _("a string"))
    return Q(AnyElementIContains(F("categories"), Value(needle)))


CATEGORY_HANDLERS: dict[str, Handler] = {"in": _categories_in, "contains": _categories_contains}

# --- text and memory IDs ----------------------------------------------------------------------

TEXT_HINT = gettext_lazy("contains, icontains or a bare string")


def _keywords(field: str, value: Any, path: str) -> Q:
    if isinstance(value, dict):
        return compile_ops(field, field, value, path, TEXT_HANDLERS, TEXT_HINT)
    expected = _("a string or an operator (%(hint)s)") % {"hint": TEXT_HINT}
    return Q(text__icontains=string_value(value, path, expected))


TEXT_HANDLERS: dict[str, Handler] = {
    "contains": lambda _field, v, p: Q(text__contains=string_value(v, p, _("a string"))),
    "icontains": lambda _field, v, p: Q(text__icontains=string_value(v, p, _("a string"))),
}


def _memory_ids(field: str, value: Any, path: str) -> Q:
    if isinstance(value, dict):
        hint = _("in or a bare list")
        return compile_ops(field, field, value, path, {"in": _memory_ids_in}, hint)
    if not isinstance(value, list):
        raise FilterError(
            _('%(path)s: expected a list of memory IDs or {"in": [...]}') % {"path": path}
        )
    return _memory_ids_in(field, value, path)


def _memory_ids_in(field: str, value: Any, path: str) -> Q:
    ids = list_of(value, path, _memory_id)
    return Q(id__in=ids) if ids else NOTHING


def _memory_id(value: Any, path: str) -> uuid.UUID:
    text = string_value(value, path, _("a memory ID (a UUID string)"))
    try:
        return uuid.UUID(text)
    except ValueError:
        raise FilterError(
            _("%(path)s: %(value)s is not a valid memory ID") % {"path": path, "value": show(text)}
        ) from None


# --- metadata ---------------------------------------------------------------------------------

METADATA_HINT = gettext_lazy("eq, ne, contains or a bare value")


def _metadata(field: str, value: Any, path: str) -> Q:
    if not isinstance(value, dict) or not value:
        raise FilterError(
            _('%(path)s: expected an object of metadata keys, e.g. {"type": "x"}') % {"path": path}
        )
    return all_of(_metadata_key(key, cond, join_path(path, key)) for key, cond in value.items())


def _metadata_key(key: Any, condition: Any, path: str) -> Q:
    if not isinstance(key, str) or not key:
        raise FilterError(_("%(path)s: metadata keys are non-empty strings") % {"path": path})
    string_value(key, path, _("a metadata key"))
    if isinstance(condition, dict):
        return compile_ops("metadata", key, condition, path, METADATA_HANDLERS, METADATA_HINT)
    return _metadata_eq(key, condition, path)


def _metadata_eq(key: str, value: Any, path: str) -> Q:
    # jsonb containment (@>) is never NULL on a non-null row, and it uses the GIN index.
    return Q(metadata__contains={key: _json_scalar(value, path)})


def _metadata_ne(key: str, value: Any, path: str) -> Q:
    return ~_metadata_eq(key, value, path)


def _metadata_contains(key: str, value: Any, path: str) -> Q:
    needle = _json_scalar(value, path)
    in_array = Q(metadata__contains={key: [needle]})
    if not isinstance(needle, str):
        return in_array
    return in_array | Q(JsonStringContains(F("metadata"), Value(key), Value(needle)))


def _json_scalar(value: Any, path: str) -> str | int | float | bool | None:
    if isinstance(value, str):
        return string_value(value, path, _("a string"))
    if value is None or isinstance(value, bool):
        return value
    # json.dumps refuses ints of over 4300 digits, and PostgreSQL's JSON refuses NaN and inf.
    if isinstance(value, int) and value.bit_length() <= 1000:
        return value
    if isinstance(value, float) and abs(value) < float("inf"):
        return value
    raise FilterError(
        _("%(path)s: expected a string, a finite number, a boolean or null") % {"path": path}
    )


METADATA_HANDLERS: dict[str, Handler] = {
    "eq": _metadata_eq,
    "ne": _metadata_ne,
    "contains": _metadata_contains,
}

# --- SQL the ORM has no lookup for; neither is ever NULL, so NOT stays two-valued -------------


class AnyElementIContains(Func):
    """Some element of a text array contains the needle, ignoring case."""

    output_field = BooleanField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        (array, array_params), (needle, needle_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        sql = (
            f"EXISTS (SELECT 1 FROM unnest({array}) AS element"
            f" WHERE strpos(lower(element), lower(({needle})::text)) > 0)"
        )
        return sql, (*array_params, *needle_params)


class JsonStringContains(Func):
    """A top-level key of a JSON object holds a string that contains the needle."""

    output_field = BooleanField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        (doc, doc_params), (key, key_params), (needle, needle_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        value = f"{doc} -> ({key})::text"
        sql = (
            f"COALESCE(jsonb_typeof({value}) = 'string'"
            f" AND strpos(({value}) #>> '{{}}', ({needle})::text) > 0, false)"
        )
        return sql, (*doc_params, *key_params, *doc_params, *key_params, *needle_params)


FIELD_HANDLERS: dict[str, Handler] = {
    **dict.fromkeys(ENTITY_ID_FIELDS, _entity),
    **dict.fromkeys(DATE_COLUMNS, _date),
    **dict.fromkeys(TEXT_FIELDS, _keywords),
    "categories": _categories,
    "metadata": _metadata,
    "memory_ids": _memory_ids,
}
