"""The one pagination helper: 1-based pages, the {count, next, previous, results} envelope."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param


def paginate(
    request: Request, queryset: QuerySet, *, page: int, page_size: int, serialize: Callable
) -> dict:
    count = queryset.count()
    last_page = max(1, -(-count // page_size))
    if page > last_page:
        raise exceptions.NotFound(f"Invalid page: page {page} is past the last page ({last_page}).")
    start = (page - 1) * page_size
    rows = queryset[start : start + page_size]
    return {
        "count": count,
        "next": _page_url(request, page + 1, page_size) if page < last_page else None,
        "previous": _page_url(request, page - 1, page_size) if page > 1 else None,
        "results": [serialize(row) for row in rows],
    }


def _page_url(request: Request, page: int, page_size: int) -> str:
    url = replace_query_param(request.build_absolute_uri(), "page_size", page_size)
    return replace_query_param(url, "page", page)
