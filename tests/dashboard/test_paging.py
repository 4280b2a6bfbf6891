from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import RequestFactory

from dashboard.paging import keyset_page, offset_page, page_offset

rf = RequestFactory()


@pytest.mark.parametrize(("query", "offset"), [("", 0), ("offset=100", 100), ("offset=x", 0)])
def test_it_reads_the_offset_and_ignores_nonsense(query, offset):
    assert page_offset(rf.get(f"/list/?{query}")) == offset
    assert page_offset(rf.get("/list/?offset=-5")) == 0


def test_it_keeps_the_filters_in_the_next_and_previous_pages():
    request = rf.get("/list/?q=tea&offset=2")
    page = offset_page(request, list(range(3)), offset=2, size=2)
    assert page.rows == [0, 1]
    assert page.next_url == "/list/?q=tea&offset=4"
    assert page.previous_url == "/list/?q=tea&offset=0"


def test_the_last_page_has_no_next_and_the_first_no_previous():
    page = offset_page(rf.get("/list/"), [0, 1], offset=0, size=2)
    assert page.rows == [0, 1] and page.next_url == "" and page.previous_url == ""


def test_it_can_point_the_next_page_elsewhere():
    page = offset_page(rf.post("/list/rotate/"), [0, 1, 2], offset=0, size=2, path="/list/")
    assert page.next_url == "/list/?offset=2"


def test_a_keyset_page_continues_after_its_last_row():
    rows = [SimpleNamespace(pk=n) for n in (9, 8, 7)]
    page = keyset_page(rf.get("/log/?method=GET"), rows, cursor=lambda r: {"before": r.pk}, size=2)
    assert [row.pk for row in page.rows] == [9, 8]
    assert page.next_url == "/log/?method=GET&before=8"
    assert keyset_page(rf.get("/log/"), rows[:2], cursor=dict, size=2).next_url == ""
