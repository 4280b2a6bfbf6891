"""The offline extractor's rule tables: one engine, one data file per language.

A table (memories/data/extraction_<language>.json) lists its rules in priority order: a
pattern, the fact it writes (and its negated and "no longer" forms), its subject (a later fact
with the same subject replaces the earlier one), its categories, how its groups are cleaned
(`shapes`), and, for the few rules a pattern and a template cannot say, the function that reads
them (`code`). Word lists sit in the table too.

Two ways of reading, one per kind of language:
- English (`read_clause`): offline.py cuts a sentence into canonical clauses ("I'm not" ->
  "I am not", "we" -> "I"); the first rule whose pattern matches the whole clause reads it.
- Chinese (`read_sentence`): the table also gives how a sentence breaks into clauses, the lead
  words a clause may start with and what is not a statement (questions, greetings, thanks,
  filler, requests). A rule matches at the start of what is left of the clause and consumes it;
  the rest is read again, so "对奶酪过敏不能吃披萨" gives two facts.

What no rule reads is kept too, as a cleaned statement in the user's words (`Reading.kept`),
unless it is not a statement; what is dropped is listed with the reason (`Reading.skipped`).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from memories.extraction.offline_text import (
    Clause,
    Draft,
    key,
    person_name,
    place_name,
    proper,
    tidy,
)
from memories.extraction.offline_vocab import alternation, date_text

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
MIN_KEPT_CHARS = 4  # a remainder shorter than this says nothing on its own ("好累")


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern | None
    fact: str
    subject: str
    categories: tuple[str, ...]
    negated: str = ""  # the fact when a group named neg… matched: "Is not from {v}"
    ended: str = ""  # the fact when the clause said "no longer": "Is no longer from {v}"
    shapes: tuple[tuple[str, str], ...] = ()  # (group, shape): how a group's words are cleaned
    code: Callable[[Clause], list[Draft]] | None = None  # reads the rule when data cannot


@dataclass(frozen=True)
class Recommends:
    """How an assistant's sentence that recommends something it names is recognised."""

    marker: re.Pattern  # a way of recommending: "I suggest", "you could try", 推荐
    names: re.Pattern  # what it names: a title, a list of names
    fact: str  # "Assistant recommended: {sentence}"


@dataclass(frozen=True)
class Table:
    language: str
    rules: tuple[Rule, ...]
    recommends: Recommends | None = None
    clause_breaks: re.Pattern | None = None
    trim: re.Pattern | None = None  # punctuation and particles around a clause
    lead_words: re.Pattern | None = None
    not_statements: tuple[tuple[str, re.Pattern], ...] = ()
    topics: dict[str, frozenset[str]] = field(default_factory=dict)


# How a declared rule cleans a group; "" means the words are not what the rule is about
# ("I live in fear" has no place), and the rule does not read the clause.
SHAPES: dict[str, Callable[[str, Clause], str]] = {
    "person": person_name,
    "place": place_name,
    "date": lambda text, _: date_text(text),
    "lower": lambda text, _: text.lower(),
    "proper": lambda text, _: proper(text.lower()),
    "phrase": lambda text, _: tidy(text, max_words=8),  # "phrase:5": up to five words
}


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
    words = data.get("words", {})
    rules = tuple(_rule(rule, data.get("end", ""), words) for rule in data["rules"])
    recommends = data.get("recommends")
    if recommends:
        recommends = Recommends(
            marker=re.compile(recommends["marker"], re.IGNORECASE),
            names=re.compile(recommends["names"]),  # case matters: names are capitalised
            fact=recommends["fact"],
        )
    if "clause_breaks" not in data:
        return Table(language=language, rules=rules, recommends=recommends)
    return Table(
        language=language,
        rules=rules,
        recommends=recommends,
        clause_breaks=re.compile(data["clause_breaks"]),
        trim=re.compile(data["trim"]),
        lead_words=re.compile(data["lead_words"]),
        not_statements=tuple(
            (reason, re.compile(pattern, re.IGNORECASE))
            for reason, pattern in data["not_statements"].items()
        ),
        topics={name: frozenset(words.split()) for name, words in data["topics"].items()},
    )


_WORD_LIST = re.compile(r"\{@(\w+)\}")


def _rule(rule: dict, end: str, words: dict) -> Rule:
    if "code" in rule:
        module, _, function = rule["code"].rpartition(".")
        code = getattr(importlib.import_module(f"memories.extraction.{module}"), function)
        return Rule(rule["name"], None, "", "", (), code=code)
    pattern = _WORD_LIST.sub(lambda m: alternation(words[m[1]]), rule["pattern"])
    return Rule(
        name=rule["name"],
        pattern=re.compile(pattern.replace("{END}", end), re.IGNORECASE),
        fact=rule["fact"],
        subject=rule["subject"],
        categories=tuple(rule["categories"]),
        negated=rule.get("negated", ""),
        ended=rule.get("ended", ""),
        shapes=tuple(rule.get("shapes", {}).items()),
    )


def _shaped(text: str, shape: str, clause: Clause) -> str:
    name, _, words = shape.partition(":")
    if name == "phrase" and words:
        return tidy(text, max_words=int(words))
    return SHAPES[name](text, clause)


def read_clause(clause: Clause, language: str = "en") -> tuple[str, list[Draft]]:
    """(the rule's name, its drafts) of the first rule that reads a whole canonical clause;
    ("", []) when none does."""
    for rule in table(language).rules:
        drafts = rule.code(clause) if rule.code else _declared(rule, clause)
        if drafts:
            return rule.name, drafts
    return "", []


def _declared(rule: Rule, clause: Clause) -> list[Draft]:
    match = rule.pattern.fullmatch(clause.text)
    if not match:
        return []
    groups = {name: value or "" for name, value in match.groupdict().items()}
    for name, shape in rule.shapes:
        if not groups[name]:
            continue  # an optional group the clause does not have: "Is {n}pregnant"
        groups[name] = _shaped(groups[name], shape, clause)
        if not groups[name]:
            return []
    negated = any(value for name, value in groups.items() if name.startswith("neg"))
    template = rule.negated if negated else rule.fact
    template = rule.ended if clause.ended and rule.ended else template
    subject = rule.subject.format(**{name: key(value) for name, value in groups.items()})
    return [Draft(template.format(**groups), subject, rule.categories)]


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


def recommendation(sentence: str, language: str) -> Draft | None:
    """An assistant's sentence that recommends something it names ("I suggest you try
    "Civilization"", 峨眉山、黄山、泰山都是不错的选择), as a fact; None for anything else."""
    found = table(language).recommends
    text = sentence.strip()
    if not found or not found.marker.search(text) or not found.names.search(text):
        return None
    fact = found.fact.format(sentence=text.rstrip("\u3002.!\uff01"))  # its closing stop
    return Draft(text=fact, subject=kept_subject(fact), categories=())


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
