"""The calendar dates a search query names, in English and Chinese.

People anchor questions on the day they said something: "What movie did I mention on May 1st?",
"在5月1号我遇到了什么开心的事情". Neither the words nor the meaning of such a question
point at the day's memories (the date is rarely in the text), but each memory's `created_at` is
the day it was said (or the `timestamp` a client gave). Search adds the memories of the named
days to its candidates and lifts them (selectors/search.py: DATE_BONUS).

What is recognised: a day with or without its year ("May 1st", "1 May, 2023", "May 3, 2023",
"2023-05-01", "5月1号", "2023年5月4日", "五月一日"), a month of a year ("August 2022",
"2022年8月") and a year after a preposition or 年 ("in 2021", "2021年"). A bare month name is not
("May I ask…"), nor are relative dates ("yesterday", "上周"): they need the user's time zone and
the time of the conversation, which a search does not carry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

# English month names and their abbreviations; "May" is only taken beside a day or a year.
MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
CHINESE_DIGITS = {
    "〇": 0,  # noqa: RUF001 - the ideographic zero
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
}
CHINESE_DIGITS |= {"七": 7, "八": 8, "九": 9}

_MONTH = "|".join(sorted(MONTH_NAMES, key=len, reverse=True))
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"((?:19|20)\d\d)"
_ZH_NUMBER = r"(\d{1,2}|[〇零一二两三四五六七八九十]{1,3})"

# (pattern, what its groups are), tried in this order; a span of text is read once.
_PATTERNS = (
    (re.compile(rf"\b({_MONTH})\.?\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?", re.I), "mdy"),
    (re.compile(rf"\b{_DAY}\s+(?:of\s+)?({_MONTH})\b\.?(?:,?\s+{_YEAR}\b)?", re.I), "dmy"),
    (re.compile(rf"\b({_MONTH})\.?,?\s+(?:of\s+)?{_YEAR}\b", re.I), "my"),
    (re.compile(r"\b((?:19|20)\d\d)-(\d{1,2})-(\d{1,2})\b"), "ymd"),
    (re.compile(rf"\b(?:in|during|since|of)\s+{_YEAR}\b", re.I), "y"),
    (re.compile(rf"(?:(\d{{4}})\s*年\s*)?{_ZH_NUMBER}\s*月\s*{_ZH_NUMBER}\s*[日号號]"), "ymd"),
    (re.compile(rf"(\d{{4}})\s*年\s*{_ZH_NUMBER}\s*月"), "ym"),
    (re.compile(r"(\d{4})\s*年"), "y"),
)


@dataclass(frozen=True)
class DateSpan:
    """A day, a month or a year; a part left None matches any (a day without its year)."""

    year: int | None = None
    month: int | None = None
    day: int | None = None

    def holds(self, moment: datetime) -> bool:
        local = timezone.localtime(moment)
        return (
            (self.year is None or local.year == self.year)
            and (self.month is None or local.month == self.month)
            and (self.day is None or local.day == self.day)
        )

    def q(self, field: str = "created_at") -> Q:
        """The memories whose `field` falls in the span (in the server's time zone)."""
        parts = {"year": self.year, "month": self.month, "day": self.day}
        return Q(**{f"{field}__{part}": value for part, value in parts.items() if value})


def query_dates(query: str) -> list[DateSpan]:
    """The dates `query` names, in the order found, without repeats."""
    found: list[DateSpan] = []
    taken: list[tuple[int, int]] = []
    for pattern, order in _PATTERNS:
        for match in pattern.finditer(query):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue
            span = _span(dict(zip(order, match.groups(), strict=True)))
            if span is not None:
                taken.append(match.span())
                if span not in found:
                    found.append(span)
    return found


def dates_q(spans: list[DateSpan], field: str = "created_at") -> Q:
    """Memories in any of `spans` (an empty Q matches everything: check `spans` first)."""
    q = Q()
    for span in spans:
        q |= span.q(field)
    return q


def _span(parts: dict[str, str | None]) -> DateSpan | None:
    year = int(parts["y"]) if parts.get("y") else None
    month = _month(parts["m"]) if parts.get("m") else None
    day = _number(parts["d"]) if parts.get("d") else None
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and not 1 <= day <= 31:
        return None
    return DateSpan(year, month, day)


def _month(text: str) -> int:
    return MONTH_NAMES.get(text.lower().rstrip(".")) or _number(text)


def _number(text: str) -> int:
    """1-31 written in digits or in Chinese numerals (五, 十一, 二十三, 三十一)."""
    if text.isdigit():
        return int(text)
    tens, ten, units = text.partition("十")
    if not ten:
        return CHINESE_DIGITS.get(text, 0) if len(text) == 1 else 0
    high = CHINESE_DIGITS.get(tens, 0) if tens else 1
    low = CHINESE_DIGITS.get(units, 0) if units else 0
    return high * 10 + low
