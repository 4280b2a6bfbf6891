"""The Overview's charts as Chromium draws them: each event status in its own colour, and every
axis label whole inside its chart (both were wrong: all bars blue; "nories", "ms me", "vents")."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.slow

# --pending, --running, --succeeded, --failed and the default --bar of static/css/engram.css
COLOURS = {
    "pending": "rgb(122, 90, 0)",
    "running": "rgb(47, 111, 176)",
    "succeeded": "rgb(29, 107, 53)",
    "failed": "rgb(166, 27, 27)",
}
DEFAULT_BAR = "rgb(47, 79, 196)"


@pytest.fixture
def owner(transactional_db, live_server):
    from accounts.models import RequestLog
    from memories.models import Event, EventStatus, Memory
    from tests.conftest import Tenant

    tenant = Tenant("alice@example.com", "OWNER")
    for status in EventStatus.values:
        Event.objects.create(project=tenant.project, status=status)
    Memory.objects.create(project=tenant.project, text="t", hash="t", user_id="u")
    RequestLog.objects.create(
        project=tenant.project, method="GET", path="/v1/memories/", status=200, latency_ms=1234.5
    )
    return tenant


def test_status_bars_have_their_colours_and_labels_fit(page, owner):
    log_in(page, "alice@example.com", "password")
    fills = page.eval_on_selector_all(
        "#chart-events-title ~ rect.bar",
        "rects => rects.map(r => [r.getAttribute('class'), getComputedStyle(r).fill])",
    )
    assert {css.split()[-1].removeprefix("bar-"): fill for css, fill in fills} == COLOURS
    swatches = page.eval_on_selector_all(
        ".legend .swatch", "spans => spans.map(s => getComputedStyle(s).backgroundColor)"
    )
    assert sorted(swatches) == sorted(COLOURS.values())
    assert DEFAULT_BAR in page.eval_on_selector_all(
        "#chart-memories-title ~ rect.bar", "rects => rects.map(r => getComputedStyle(r).fill)"
    )

    # getBBox() is in the viewBox's units: a label that overflows it is cut off on screen.
    overflows = page.eval_on_selector_all(
        "svg.chart text",
        """texts => texts.map(t => {
             const box = t.getBBox(), view = t.ownerSVGElement.viewBox.baseVal;
             return [t.textContent, box.x, box.x + box.width, box.y, box.y + box.height,
                     view.width, view.height];
           }).filter(([, left, right, top, bottom, width, height]) =>
             left < 0 || right > width || top < 0 || bottom > height)""",
    )
    assert overflows == []
    labels = page.eval_on_selector_all("svg.chart text", "ts => ts.map(t => t.textContent)")
    assert {"memories", "calls", "ms median", "events"} <= set(labels)
    screenshot(page, "overview-charts")


def test_the_chinese_labels_fit_too(page, owner):
    """CJK glyphs are a full em wide: the margins measured from the translated labels hold them."""
    log_in(page, "alice@example.com", "password")
    page.set_extra_http_headers({"Accept-Language": "zh-Hans"})
    page.reload()
    overflows = page.eval_on_selector_all(
        "svg.chart text",
        """texts => texts.map(t => {
             const box = t.getBBox(), view = t.ownerSVGElement.viewBox.baseVal;
             return [t.textContent, box.x, box.x + box.width, view.width];
           }).filter(([, left, right, width]) => left < 0 || right > width)""",
    )
    assert overflows == []
    labels = page.eval_on_selector_all("svg.chart text", "ts => ts.map(t => t.textContent)")
    assert {"记忆数", "调用次数", "延迟中位数 (ms)", "事件数"} <= set(labels)
    screenshot(page, "overview-charts-zh-hans")
