"""The Overview's bar charts, as data for templates/dashboard/_chart.html (inline SVG, no JS).

Python does the arithmetic (scales, positions, the summary screen readers get); the template
writes the markup and escapes every text. Coordinates are strings formatted here, so a locale's
decimal comma never reaches an SVG attribute.

Labels are placed so that none is cut at the edge of the viewBox: the margins are as wide as
the tick labels they hold, and the unit and the line's label sit in a header row, anchored at
the left and right edges. Every text is in the active language (dates too, through the format
modules in config/formats), and the margins are measured from the translated labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from django.utils import formats
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from dashboard.selectors.overview import EVENT_STATUS_LABELS

if TYPE_CHECKING:
    from dashboard.selectors.overview import Overview

WIDTH, HEIGHT = 600, 180
HEADER = 24  # the row above the plot: the unit on the left, the line's label on the right
FOOTER = 24  # the row below it: the first and the last day
GAP = 6  # between a tick label and the plot
EDGE = 2  # between a label and the edge: glyphs may overhang their advance by a fraction
FONT_PX = 11  # `.chart .tick` in static/css/engram.css
# A generous average advance of one character at FONT_PX (CJK characters are a full em), so a
# margin sized with it holds its label in any sans-serif font.
CHAR_PX = 7


@dataclass(frozen=True)
class Text:
    x: str
    y: str
    text: str
    anchor: str = "start"  # SVG text-anchor: which end of the text sits at x
    css: str = "tick"


@dataclass(frozen=True)
class Bar:
    x: str
    y: str
    width: str
    height: str
    series: str  # the CSS class `bar-<series>` colours it
    title: str  # the tooltip


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    description: str
    axis: tuple[str, str, str, str]  # x1, y1, x2, y2 of the baseline
    texts: list[Text] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    line: str = ""  # the polyline's points; "" when there is none
    width: int = WIDTH
    height: int = HEIGHT


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _day(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _axis_day(day: date) -> str:
    # Translators: a Django date format for the first and last day under a chart ("Nov 1").
    return date_format(day, pgettext("chart axis date format", "M j"))


def text_px(text: str) -> int:
    """How wide `text` may be drawn at FONT_PX, at most."""
    return sum(FONT_PX if ord(char) >= 0x2E80 else CHAR_PX for char in text)


@dataclass(frozen=True)
class _Frame:
    """The plot's edges inside the viewBox, from the labels that must fit beside it."""

    left: float
    right: float
    top: float = HEADER
    bottom: float = HEIGHT - FOOTER

    @classmethod
    def around(cls, *, left_label: str, right_label: str) -> _Frame:
        right = text_px(right_label) + 2 * GAP if right_label else GAP
        return cls(left=text_px(left_label) + 2 * GAP, right=WIDTH - right)

    def y(self, value: float, top: float) -> float:
        return self.bottom - value / top * (self.bottom - self.top)


def _labels(frame: _Frame, *, days: list[date], top: str, unit: str) -> list[Text]:
    """The y-axis' top and zero, the unit above it, and the first and last day below."""
    tick_x, baseline = _fmt(frame.left - GAP), str(FONT_PX + 1)
    texts = [
        Text(x=tick_x, y=_fmt(frame.top + 4), text=top, anchor="end"),
        Text(x=tick_x, y=_fmt(frame.bottom), text="0", anchor="end"),
    ]
    if unit:
        texts.append(Text(x=str(EDGE), y=baseline, text=unit))
    if days:
        day_y = str(HEIGHT - 6)
        texts.append(Text(x=_fmt(frame.left), y=day_y, text=_axis_day(days[0])))
        texts.append(Text(x=_fmt(frame.right), y=day_y, text=_axis_day(days[-1]), anchor="end"))
    return texts


def _tooltip(day: date, count: int, name: str) -> str:
    if not name:
        return _("%(day)s: %(count)s") % {"day": _day(day), "count": count}
    # Translators: a bar's tooltip, e.g. "2026-11-02: 3 memories"; name is a unit or a status.
    return _("%(day)s: %(count)s %(name)s") % {"day": _day(day), "count": count, "name": name}


def _bars(
    frame: _Frame,
    *,
    days: list[date],
    stacks: dict[str, list[int]],
    top: int,
    unit: str,
    series_names: dict[str, str],
):
    slot = (frame.right - frame.left) / max(len(days), 1)
    width = max(slot * 0.7, 1)
    bars = []
    for i, day in enumerate(days):
        y, x = frame.bottom, frame.left + i * slot + (slot - width) / 2
        for series, values in stacks.items():
            if not values[i]:
                continue
            height = frame.bottom - frame.y(values[i], top)
            y -= height
            bars.append(
                Bar(
                    x=_fmt(x),
                    y=_fmt(y),
                    width=_fmt(width),
                    height=_fmt(height),
                    series=series.lower() or "total",
                    title=_tooltip(day, values[i], str(series_names.get(series, series) or unit)),
                )
            )
    return bars


def _line_labels(frame: _Frame, *, top: str, label: str) -> list[Text]:
    """The line's own scale right of the plot, and what it measures in the header's right end."""
    css = "tick line-label"
    return [
        Text(x=_fmt(frame.right + GAP), y=_fmt(frame.top + 4), text=top, css=css),
        Text(x=str(WIDTH - EDGE), y=str(FONT_PX + 1), text=label, anchor="end", css=css),
    ]


def _line_points(frame: _Frame, line: list[float | None], top: float, *, days: int) -> str:
    """A point over the middle of each day's bar; days with None are skipped."""
    slot = (frame.right - frame.left) / max(days, 1)
    return " ".join(
        f"{_fmt(frame.left + i * slot + slot / 2)},{_fmt(frame.y(value, top))}"
        for i, value in enumerate(line)
        if value is not None
    )


def _description(
    *, days, stacks, series_names, unit: str, line_label: str, line_top: float | None
) -> str:
    """What a screen reader says instead of the bars: totals, the period, the line's peak."""
    totals = [sum(values) for values in stacks.values()]
    text = ngettext(
        "%(total)s %(unit)s over %(count)s day", "%(total)s %(unit)s over %(count)s days", len(days)
    )
    text = (text % {"total": sum(totals), "unit": unit, "count": len(days)}).replace("  ", " ")
    if days:
        text = _("%(summary)s, %(first)s to %(last)s") % {
            "summary": text,
            "first": _day(days[0]),
            "last": _day(days[-1]),
        }
    if len(stacks) > 1:
        parts = [
            _("%(count)s %(name)s") % {"count": n, "name": series_names.get(series, series)}
            for series, n in zip(stacks, totals, strict=True)
        ]
        breakdown = pgettext("list separator", ", ").join(parts)
        text = _("%(summary)s: %(breakdown)s") % {"summary": text, "breakdown": breakdown}
    if line_top is not None:
        values = {"summary": text, "label": line_label, "value": _fmt(line_top)}
        text = _("%(summary)s; highest daily %(label)s: %(value)s") % values
    return _("%(summary)s.") % {"summary": text}


def stacked_bar_chart(
    *,
    chart_id: str,
    title: str,
    days: list[date],
    stacks: dict[str, list[int]],
    unit: str = "",
    line: list[float | None] | None = None,
    line_label: str = "",
    series_names: dict[str, str] | None = None,
) -> Chart:
    """One bar segment per non-zero (day, series) value, stacked in `stacks` order.

    `series_names` gives what the texts call a series (the key stays the CSS class's name).

    `line`, when given, is drawn as a polyline on its own scale (labelled on the right axis),
    e.g. the median latency over the API-call bars; days with None are skipped.
    """
    top = max((sum(day) for day in zip(*stacks.values(), strict=True)), default=0) or 1
    known = [value for value in line or [] if value is not None]
    line_top = max(known) if known else None
    right_label = _fmt(line_top or 1) if known else ""
    frame = _Frame.around(left_label=_fmt(top), right_label=right_label)
    texts = _labels(frame, days=days, top=_fmt(top), unit=unit)
    names = series_names or {}
    points = ""
    if known:
        points = _line_points(frame, line or [], line_top or 1, days=len(days))
        texts += _line_labels(frame, top=right_label, label=line_label)
    return Chart(
        chart_id=chart_id,
        title=title,
        description=_description(
            days=days,
            stacks=stacks,
            series_names=names,
            unit=unit,
            line_label=line_label,
            line_top=line_top,
        ),
        axis=(_fmt(frame.left), _fmt(frame.bottom), _fmt(frame.right), _fmt(frame.bottom)),
        texts=texts,
        bars=_bars(frame, days=days, stacks=stacks, top=top, unit=unit, series_names=names),
        line=points,
    )


def bar_chart(
    *, chart_id: str, title: str, days: list[date], values: list[int], unit: str = ""
) -> Chart:
    """A bar per day with a non-zero value."""
    return stacked_bar_chart(
        chart_id=chart_id, title=title, days=days, stacks={"": values}, unit=unit
    )


def overview_charts(overview: Overview) -> dict[str, Chart]:
    """The Overview's three charts of its 30 days."""
    days = overview.days
    return {
        "memories": bar_chart(
            chart_id="chart-memories",
            title=_("Memories added per day"),
            days=days,
            values=overview.memories_per_day,
            unit=_("memories"),
        ),
        "calls": stacked_bar_chart(
            chart_id="chart-calls",
            title=_("API calls per day, with median latency"),
            days=days,
            stacks={"": overview.calls_per_day},
            unit=_("calls"),
            line=overview.median_latency_per_day,
            line_label=_("ms median"),
        ),
        "events": stacked_bar_chart(
            chart_id="chart-events",
            title=_("Events per day by status"),
            days=days,
            stacks=overview.events_per_day,
            unit=_("events"),
            series_names={status: str(label) for status, label in EVENT_STATUS_LABELS.items()},
        ),
    }
