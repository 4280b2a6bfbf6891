"""The offline extractor's rule tables: one engine, one data file per language.

A table (memories/data/extraction_<language>.json) gives how a sentence breaks into clauses,
the lead words a clause may start with (the subject, adverbs, conjunctions), what is not a
statement (questions, greetings, thanks, filler, requests), and the rules: a pattern matched at
the start of what is left of the clause, the fact it writes, its subject (a later fact with the
same subject replaces the earlier one) and its categories. A rule consumes what it matched and
the rest of the clause is read again, so "对奶酪过敏不能吃披萨" gives two facts.

What no rule reads is kept too, as a cleaned statement in the user's words (`Reading.kept`),
unless it is not a statement; what is dropped is listed with the reason (`Reading.skipped`).

Chinese is the first table; English still runs on offline.py's rules.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from memories.extraction.offline_text import Draft

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
MIN_KEPT_CHARS = 4  # a remainder shorter than this says nothing on its own ("好累")


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern
    fact: str
    subject: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    language: str
    clause_breaks: re.Pattern
    trim: re.Pattern  # punctuation and particles around a clause
    lead_words: re.Pattern
    not_statements: tuple[tuple[str, re.Pattern], ...]
    rules: tuple[Rule, ...]
    topics: dict[str, frozenset[str]]


@dataclass
class Reading:
    """What a table made of one sentence."""

    drafts: list[Draft] = field(default_factory=list)
    kept: list[Draft] = field(default_factory=list)  # statements no rule read, cleaned
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (excerpt, reason)
    fired: list[str] = field(default_factory=list)  # names of the rules that matched


@cache
def table(language: str) -> Table:
    data = json.loads((DATA_DIR / f"extraction_{language}.json").read_text(encoding="utf-8"))
    end = data["end"]
    rules = tuple(
        Rule(
            name=rule["name"],
            pattern=re.compile(rule["pattern"].replace("{END}", end), re.IGNORECASE),
            fact=rule["fact"],
            subject=rule["subject"],
            categories=tuple(rule["categories"]),
        )
        for rule in data["rules"]
    )
    return Table(
        language=language,
        clause_breaks=re.compile(data["clause_breaks"]),
        trim=re.compile(data["trim"]),
        lead_words=re.compile(data["lead_words"]),
        not_statements=tuple(
            (reason, re.compile(pattern, re.IGNORECASE))
            for reason, pattern in data["not_statements"].items()
        ),
        rules=rules,
        topics={name: frozenset(words.split()) for name, words in data["topics"].items()},
    )


def read_sentence(sentence: str, language: str) -> Reading:
    """The facts of one sentence by `language`'s table, what was kept and what was skipped."""
    tab = table(language)
    reading = Reading()
    whole = _trimmed(sentence, tab)
    if reason := _not_a_statement(whole, tab):
        reading.skipped.append((whole, reason))
        return reading
    unread: list[str] = []
    for clause in tab.clause_breaks.split(whole):
        clause = _trimmed(clause, tab)
        if not clause:
            continue
        if reason := _not_a_statement(clause, tab):
            reading.skipped.append((clause, reason))
            continue
        rest = _read_clause(clause, tab, reading)
        if rest:
            unread.append(rest)
    _keep(unread, whole, tab, reading)
    return reading


def _read_clause(clause: str, tab: Table, reading: Reading) -> str:
    """Apply the rules from the clause's start again and again; what none of them read."""
    rest = clause
    while rest:
        body = tab.lead_words.sub("", rest)
        for rule in tab.rules:
            match = rule.pattern.match(body)
            if match and match.end() > 0:
                reading.drafts.append(_draft(rule, match, tab))
                reading.fired.append(rule.name)
                rest = _trimmed(body[match.end() :], tab)
                break
        else:
            return rest
    return ""


def _draft(rule: Rule, match: re.Match, tab: Table) -> Draft:
    groups = {name: _trimmed(value or "", tab) for name, value in match.groupdict().items()}
    text = rule.fact.format(**groups)
    subject = rule.subject.format(**groups)
    categories = tuple(dict.fromkeys([*rule.categories, *topics(text, tab)])) or ("misc",)
    return Draft(text=text, subject=subject, categories=categories)


def _keep(unread: list[str], whole: str, tab: Table, reading: Reading) -> None:
    """What no rule read: the whole sentence if nothing in it was read, else the remainders,
    each kept if it says enough on its own."""
    texts = [whole] if not reading.drafts and unread else unread
    for text in texts:
        if len(re.sub(r"\W", "", text)) < MIN_KEPT_CHARS:
            reading.skipped.append((text, "too short to stand alone"))
            continue
        subject = kept_subject(text)
        categories = tuple(topics(text, tab)) or ("misc",)
        reading.kept.append(Draft(text=text, subject=subject, categories=categories))


KEPT_SUBJECT = "statement:"


def kept_subject(text: str) -> str:
    """The subject of a statement kept as said: its own (Memory.subject holds 100 characters),
    so it never replaces another memory and the same words said again are a NOOP."""
    return KEPT_SUBJECT + hashlib.sha1(" ".join(text.lower().split()).encode()).hexdigest()[:20]


def topics(text: str, tab: Table) -> list[str]:
    return [name for name, words in tab.topics.items() if any(w in text for w in words)]


def _not_a_statement(text: str, tab: Table) -> str | None:
    for reason, pattern in tab.not_statements:
        if pattern.search(text):
            return reason
    return None


def _trimmed(text: str, tab: Table) -> str:
    return tab.trim.sub("", text.strip())
