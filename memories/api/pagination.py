"""The one pagination helper: 1-based pages, in the {count, next, previous, results} envelope,
or, where the SDKs expect a bare JSON list (history), the list with the paging in headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


@dataclass
class Page:
    count: int
    results: list
    next: str | None
    previous: str | None
    first: str
    last: str


def page_of(
    request: Request, queryset: QuerySet, *, page: int, page_size: int, serialize: Callable
) -> Page:
    count = queryset.count()
    last_page = max(1, -(-count // page_size))
    if page > last_page:
        raise exceptions.NotFound(f"Invalid page: page {page} is past the last page ({last_page}).")
    start = (page - 1) * page_size
    return Page(
        count=count,
        results=[serialize(row) for row in queryset[start : start + page_size]],
        next=_page_url(request, page + 1, page_size) if page < last_page else None,
        previous=_page_url(request, page - 1, page_size) if page > 1 else None,
        first=_page_url(request, 1, page_size),
        last=_page_url(request, last_page, page_size),
    )


def paginate(
    request: Request, queryset: QuerySet, *, page: int, page_size: int, serialize: Callable
) -> dict:
    found = page_of(request, queryset, page=page, page_size=page_size, serialize=serialize)
    return {
        "count": found.count,
        "next": found.next,
        "previous": found.previous,
        "results": found.results,
    }


def paginated_list(
    request: Request, queryset: QuerySet, *, page: int, page_size: int, serialize: Callable
) -> Response:
    """The page as a bare list; `Link` (RFC 8288: next, prev, first, last) and `X-Total-Count`
    let a client walk the rest, while SDKs that expect a list still get one."""
    found = page_of(request, queryset, page=page, page_size=page_size, serialize=serialize)
    links = {"next": found.next, "prev": found.previous, "first": found.first, "last": found.last}
    link = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url)
    return Response(found.results, headers={"Link": link, "X-Total-Count": str(found.count)})


def _page_url(request: Request, page: int, page_size: int) -> str:
    url = replace_query_param(request.build_absolute_uri(), "page_size", page_size)
    return replace_query_param(url, "page", page)
