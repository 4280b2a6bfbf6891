from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

from dashboard.charts import bar_chart, stacked_bar_chart

SVG = "{http://www.w3.org/2000/svg}"
DAYS = [date(2026, 11, 1) + timedelta(days=n) for n in range(7)]


def rects(svg: str) -> list[ET.Element]:
    return [r for r in ET.fromstring(svg).iter(f"{SVG}rect") if "bar" in r.get("class", "")]


def test_bar_chart_draws_one_bar_per_nonzero_day():
    svg = bar_chart(chart_id="c", title="T", days=DAYS, values=[0, 3, 0, 1, 0, 0, 6], unit="x")
    bars = rects(svg)
    assert len(bars) == 3
    heights = [float(bar.get("height")) for bar in bars]
    assert heights[2] == max(heights) and heights[1] == min(heights)
    assert bars[0].find(f"{SVG}title").text == "2026-11-02: 3 x"


def test_stacked_chart_draws_a_segment_per_series_and_day():
    svg = stacked_bar_chart(
        chart_id="c", title="T", days=DAYS[:3], stacks={"A": [1, 0, 2], "B": [1, 1, 0]}, unit="e"
    )
    assert len(rects(svg)) == 4
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}desc").text.endswith(": 3 A, 2 B.")


def test_line_skips_days_without_data():
    svg = stacked_bar_chart(
        chart_id="c", title="T", days=DAYS[:3], stacks={"": [1, 0, 1]}, line=[5.0, None, 15.0]
    )
    (polyline,) = ET.fromstring(svg).iter(f"{SVG}polyline")
    assert len(polyline.get("points").split()) == 2


def test_text_is_escaped_and_empty_series_draw_nothing():
    svg = bar_chart(chart_id="c", title="<script>&", days=DAYS, values=[0] * 7)
    root = ET.fromstring(svg)  # well-formed despite the markup in the title
    assert root.find(f"{SVG}title").text == "<script>&"
    assert rects(svg) == []
