"""Paging of the dashboard's long lists, for infinite scroll and its <noscript> "More" link.

The list selectors return up to `limit + 1` rows: the extra row only says that another page
follows, so no list costs a COUNT query. The next page's URL is this request's, with its query
string (the filters) kept and the position changed: `offset=` where the order is stable under
inserts at the end, or a keyset cursor where new rows arrive at the top (the request log).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    rows: Sequence[Any]
    next_url: str = ""  # "" on the last page
    previous_url: str = ""  # "" on the first page; keyset pages do not go back


def page_offset(request) -> int:
    """`?offset=` of the request: 0 when absent, malformed or negative."""
    try:
        return max(int(request.GET.get("offset", 0)), 0)
    except ValueError:
        return 0


def url_with(request, *, path: str | None = None, **params: object) -> str:
    """This request's URL (or `path`) with its query string, `params` replaced in it."""
    query = request.GET.copy()
    for name, value in params.items():
        query[name] = str(value)
    return f"{path or request.path}?{query.urlencode()}"


def offset_page(
    request, rows: Sequence[Any], *, offset: int, size: int = PAGE_SIZE, path: str | None = None
) -> Page:
    """The page of `rows` (up to `size + 1`, fetched from `offset`), with its neighbours' URLs.

    `path` is for responses to a POST elsewhere that show the list (e.g. after rotating a
    webhook's secret): their own URL would not serve the next page.
    """
    older = url_with(request, path=path, offset=offset + size) if len(rows) > size else ""
    newer = url_with(request, path=path, offset=max(offset - size, 0)) if offset else ""
    return Page(rows=rows[:size], next_url=older, previous_url=newer)


def keyset_page(
    request, rows: Sequence[Any], *, cursor: Callable[[Any], dict], size: int = PAGE_SIZE
) -> Page:
    """The page of `rows` (up to `size + 1`); the next page starts after its last row, whose
    query parameters `cursor(row)` gives."""
    if len(rows) <= size:
        return Page(rows=rows)
    return Page(rows=rows[:size], next_url=url_with(request, **cursor(rows[size - 1])))
