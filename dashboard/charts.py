"""Small server-side SVG charts: pure functions from series to an SVG string (no JS library).

Each bar is a `<rect class="bar …">` with a `<title>` tooltip; the `<svg>` has role="img", a
title and a description summarising the data, so screen readers get the gist.
"""

from __future__ import annotations

from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 600, 180
LEFT, RIGHT, TOP, BOTTOM = 36, 40, 12, 24  # margins for the axis labels


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _frame(*, chart_id: str, title: str, description: str, body: list[str]) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'preserveAspectRatio="xMidYMid meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # every interpolated value is escaped


def _axes(*, days: list[date], top: float, unit: str) -> list[str]:
    bottom_y, right_x = HEIGHT - BOTTOM, WIDTH - RIGHT
    parts = [
        f'<line class="axis" x1="{LEFT}" y1="{bottom_y}" x2="{right_x}" y2="{bottom_y}"/>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{_fmt(top)}</text>',
        f'<text class="tick" x="{LEFT - 4}" y="{bottom_y}" text-anchor="end">0</text>',
    ]
    if days:
        first, last = days[0].strftime("%b %-d"), days[-1].strftime("%b %-d")
        parts.append(f'<text class="tick" x="{LEFT}" y="{HEIGHT - 6}">{first}</text>')
        parts.append(
            f'<text class="tick" x="{right_x}" y="{HEIGHT - 6}" text-anchor="end">{last}</text>'
        )
    if unit:
        parts.append(
            f'<text class="tick" x="{LEFT - 4}" y="{TOP + 16}" text-anchor="end">'
            f"{escape(unit)}</text>"
        )
    return parts


def _slot(days: list[date]) -> float:
    return (WIDTH - LEFT - RIGHT) / max(len(days), 1)


def stacked_bar_chart(
    *,
    chart_id: str,
    title: str,
    days: list[date],
    stacks: dict[str, list[int]],
    unit: str = "",
    line: list[float | None] | None = None,
    line_label: str = "",
) -> SafeString:
    """One bar segment per non-zero (day, series) value, stacked in `stacks` order.

    `line`, when given, is drawn as a polyline on its own scale (labelled on the right axis),
    e.g. the median latency over the API-call bars; days with None are skipped.
    """
    totals = [sum(values[i] for values in stacks.values()) for i in range(len(days))]
    top = max(totals, default=0) or 1
    plot_h = HEIGHT - TOP - BOTTOM
    slot = _slot(days)
    bar_w = max(slot * 0.7, 1)
    body = _axes(days=days, top=top, unit=unit)
    for i, day in enumerate(days):
        y = HEIGHT - BOTTOM
        x = LEFT + i * slot + (slot - bar_w) / 2
        for series, values in stacks.items():
            value = values[i]
            if not value:
                continue
            h = value / top * plot_h
            y -= h
            label = f"{day.isoformat()}: {value} {series or unit}".strip()
            css = escape(series.lower() or "total")
            body.append(
                f'<rect class="bar bar-{css}" x="{_fmt(x)}" y="{_fmt(y)}" '
                f'width="{_fmt(bar_w)}" height="{_fmt(h)}"><title>{escape(label)}</title></rect>'
            )
    if line is not None:
        known = [v for v in line if v is not None]
        line_top = max(known, default=0) or 1
        points = [
            f"{_fmt(LEFT + i * slot + slot / 2)},{_fmt(HEIGHT - BOTTOM - v / line_top * plot_h)}"
            for i, v in enumerate(line)
            if v is not None
        ]
        if points:
            body.append(f'<polyline class="line" points="{" ".join(points)}"/>')
            body.append(
                f'<text class="tick line-label" x="{WIDTH - RIGHT + 4}" y="{TOP + 4}">'
                f"{_fmt(line_top)}</text>"
                f'<text class="tick line-label" x="{WIDTH - RIGHT + 4}" y="{TOP + 16}">'
                f"{escape(line_label)}</text>"
            )
    total = sum(totals)
    description = f"{total} {unit} over {len(days)} days".replace("  ", " ")
    if days:
        description += f", {days[0].isoformat()} to {days[-1].isoformat()}"
    if stacks and len(stacks) > 1:
        description += ": " + ", ".join(
            f"{sum(values)} {series}" for series, values in stacks.items()
        )
    known_line = [v for v in line or [] if v is not None]
    if known_line:
        description += f"; highest daily {line_label}: {_fmt(max(known_line))}"
    return _frame(chart_id=chart_id, title=title, description=description + ".", body=body)


def bar_chart(*, chart_id: str, title: str, days: list[date], values: list[int], unit: str = ""):
    """A bar per day with a non-zero value."""
    return stacked_bar_chart(
        chart_id=chart_id, title=title, days=days, stacks={"": values}, unit=unit
    )
