"""Which memories a list or search call is about: the filter language plus the shortcut options."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from django.db.models import Q

from memories.filters import compile_filters, entity_scope
from memories.selectors.memories import visible_filter


@dataclass
class Selection:
    """Everything that narrows a list or search, as the APIs parsed it."""

    filters: dict | None = None
    require_entity_scope: bool = True
    show_expired: bool = False
    latest_only: bool = False
    categories: list[str] = field(default_factory=list)
    metadata: dict | None = None
    keywords: str | None = None
    start_date: date | datetime | None = None
    end_date: date | datetime | None = None


def selection_where(selection: Selection) -> tuple[Q, bool]:
    """(the Q, whether the scope is pinned to single entities so an exact scan is right)."""
    where = compile_filters(
        selection.filters or {}, require_entity_scope=selection.require_entity_scope
    )
    where &= visible_filter(show_expired=selection.show_expired, latest_only=selection.latest_only)
    if selection.categories:
        where &= Q(categories__overlap=selection.categories)
    if selection.metadata:
        where &= Q(metadata__contains=selection.metadata)
    if selection.keywords:
        where &= Q(text__icontains=selection.keywords)
    if selection.start_date:
        where &= Q(created_at__gte=_bound(selection.start_date, end=False))
    if selection.end_date:
        where &= Q(created_at__lte=_bound(selection.end_date, end=True))
    return where, bool(entity_scope(selection.filters or {}))


def _bound(value: date | datetime, *, end: bool) -> datetime:
    """A date bound covers its whole UTC day: start_date from 00:00, end_date through 23:59."""
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time.max if end else time.min, tzinfo=UTC)
