from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from django.template.loader import render_to_string

from dashboard.charts import FONT_PX, Chart, bar_chart, stacked_bar_chart
from tests.conftest import REPO_ROOT

SVG = "{http://www.w3.org/2000/svg}"
DAYS = [date(2026, 11, 1) + timedelta(days=n) for n in range(7)]
MONTH = [date(2026, 11, 1) + timedelta(days=n) for n in range(30)]
STATUSES = ["PENDING", "RUNNING", "SUCCEEDED", "FAILED"]


def render(chart: Chart) -> ET.Element:
    """The chart as templates/dashboard/_chart.html draws it, parsed (so it is well-formed)."""
    return ET.fromstring(render_to_string("dashboard/_chart.html", {"chart": chart}))


def rects(svg: ET.Element) -> list[ET.Element]:
    return [r for r in svg.iter(f"{SVG}rect") if "bar" in r.get("class", "").split()]


def test_bar_chart_draws_one_bar_per_nonzero_day():
    svg = render(
        bar_chart(chart_id="c", title="T", days=DAYS, values=[0, 3, 0, 1, 0, 0, 6], unit="x")
    )
    bars = rects(svg)
    assert len(bars) == 3
    heights = [float(bar.get("height")) for bar in bars]
    assert heights[2] == max(heights) and heights[1] == min(heights)
    assert bars[0].find(f"{SVG}title").text == "2026-11-02: 3 x"


def test_stacked_chart_draws_a_segment_per_series_and_day():
    chart = stacked_bar_chart(
        chart_id="c", title="T", days=DAYS[:3], stacks={"A": [1, 0, 2], "B": [1, 1, 0]}, unit="e"
    )
    svg = render(chart)
    assert len(rects(svg)) == 4
    assert svg.find(f"{SVG}desc").text.endswith(": 3 A, 2 B.")


def test_line_skips_days_without_data():
    chart = stacked_bar_chart(
        chart_id="c", title="T", days=DAYS[:3], stacks={"": [1, 0, 1]}, line=[5.0, None, 15.0]
    )
    (polyline,) = render(chart).iter(f"{SVG}polyline")
    assert len(polyline.get("points").split()) == 2


def test_text_is_escaped_and_empty_series_draw_nothing():
    svg = render(bar_chart(chart_id="c", title="<script>&", days=DAYS, values=[0] * 7))
    assert svg.find(f"{SVG}title").text == "<script>&"  # well-formed despite the markup
    assert rects(svg) == [] and not list(svg.iter(f"{SVG}polyline"))


# --- bug: every "Events by status" bar was the default blue -----------------------------------


def events_chart() -> ET.Element:
    stacks = {status: [1, 2, 0] for status in STATUSES}
    return render(stacked_bar_chart(chart_id="c", title="T", days=DAYS[:3], stacks=stacks))


def specificity(selector: str) -> tuple[int, int, int]:
    """(ids, classes, types) of a selector made of classes, ids and type names."""
    ids = selector.count("#")
    classes = len(re.findall(r"\.[\w-]+", selector))
    types = len(re.findall(r"(?:^|[\s>+~])[a-z]", selector))
    return ids, classes, types


def fill_rules() -> list[tuple[tuple[int, int, int], int, str]]:
    """(specificity, position, selector) of every selector in engram.css that sets `fill`."""
    css = re.sub(r"/\*.*?\*/", "", (REPO_ROOT / "static/css/engram.css").read_text(), flags=re.S)
    rules = []
    for position, (selectors, body) in enumerate(re.findall(r"([^{}]+)\{([^}]*)\}", css)):
        if re.search(r"(^|;)\s*fill\s*:", body):
            for selector in selectors.split(","):
                rules.append((specificity(selector.strip()), position, selector.strip()))
    return rules


@pytest.mark.parametrize("status", STATUSES)
def test_each_status_bar_carries_its_class(status):
    classes = [set(rect.get("class").split()) for rect in rects(events_chart())]
    assert sum({"bar", f"bar-{status.lower()}"} <= found for found in classes) == 2


@pytest.mark.parametrize("status", STATUSES)
def test_the_status_colour_outranks_the_default_bar_colour(status):
    """The cascade picks the more specific rule, then the later one: the status rule must win
    over `.chart .bar`, which every bar also matches."""
    rules = fill_rules()
    (default,) = [(spec, pos) for spec, pos, selector in rules if selector == ".chart .bar"]
    own = [(spec, pos) for spec, pos, sel in rules if sel.endswith(f".bar-{status.lower()}")]
    assert own and max(own) > default


# --- bug: axis labels were cut at the edges ("nories", "ms me", "vents") ----------------------


def drawn_extent(text: ET.Element) -> tuple[float, float]:
    """Left and right x of a label, with a generous width of 0.62 em per character."""
    x, width = float(text.get("x")), 0.62 * FONT_PX * len(text.text)
    anchor = text.get("text-anchor", "start")
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return left, left + width


CHARTS = {
    "memories": bar_chart(chart_id="m", title="T", days=MONTH, values=[3] * 30, unit="memories"),
    "calls": stacked_bar_chart(
        chart_id="c",
        title="T",
        days=MONTH,
        stacks={"": [120_000] * 30},
        unit="calls",
        line=[1234.5] * 30,
        line_label="ms median",
    ),
    "events": stacked_bar_chart(
        chart_id="e", title="T", days=MONTH, stacks={"SUCCEEDED": [7] * 30}, unit="events"
    ),
}


@pytest.mark.parametrize("name", CHARTS)
def test_no_label_reaches_past_the_edges(name):
    svg = render(CHARTS[name])
    width, height = (float(n) for n in svg.get("viewBox").split()[2:])
    texts = list(svg.iter(f"{SVG}text"))
    assert {"memories", "calls", "ms median", "events"} & {t.text for t in texts}
    for text in texts:
        left, right = drawn_extent(text)
        assert left >= 0 and right <= width, f"{text.text!r} spans {left:.0f}..{right:.0f}"
        assert FONT_PX <= float(text.get("y")) <= height - 3, text.text


@pytest.mark.parametrize("name", CHARTS)
def test_bars_stay_between_the_labels(name):
    svg = render(CHARTS[name])
    axis = svg.find(f"{SVG}line")
    left, right = float(axis.get("x1")), float(axis.get("x2"))
    for rect in rects(svg):
        x = float(rect.get("x"))
        assert x >= left and x + float(rect.get("width")) <= right
