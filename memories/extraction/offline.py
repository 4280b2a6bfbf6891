"""The built-in offline extractor: rule-based facts from chat messages, used when no LLM is set.

Deterministic and standard-library only. The user's statements become facts: English by the
rules below ("I'm vegan and I live in Oslo" -> "Is vegan", "Lives in Oslo"), Chinese by its
table (offline_table.py). A statement no rule reads is kept as said, in its own language, so
nothing the user stated is lost (on MemoryBank, dropping them lost four in five English
evidence turns: docs/benchmarks.md). Questions, greetings, thanks, requests to the assistant,
hypotheticals, hedged guesses and the assistant's words give nothing, and `read_messages`
says so, with the reason, for the event's `skipped`.

Each fact carries a `subject` ("residence", "diet", "preference:jazz"): a later fact with the
same subject replaces the earlier one, within a call here and against stored memories in
`decide`. Negations keep that subject and say so in the text ("Is no longer vegetarian").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from memories.extraction import offline_table
from memories.extraction.offline_categories import (
    DEFAULT_CATEGORIES,
    Category,
    Filter,
    assign,
    catalog,
    instruction_filters,
    topics,
    word_filter,
)
from memories.extraction.offline_text import (
    MAX_FACT_WORDS,
    Clause,
    Draft,
    article,
    canonical,
    clauses,
    sentences,
    strip_filler,
)
from memories.text import CJK

__all__ = ["DEFAULT_CATEGORIES", "Fact", "Reading", "Skip", "extract_facts", "read_messages"]

MAX_SENTENCES = 200  # per call: bounds the work on a pasted novel


@dataclass(frozen=True)
class Fact:
    text: str
    categories: tuple[str, ...]
    subject: str
    # Provenance: the index of the message it was read from, and that sentence. Not part of
    # the fact's identity (two messages saying the same thing give one fact).
    message: int | None = field(default=None, compare=False)
    excerpt: str = field(default="", compare=False)


@dataclass(frozen=True)
class Skip:
    """Something said that became no fact, and why (shown on the event)."""

    message: int | None  # index in the call's messages
    excerpt: str
    reason: str


@dataclass
class Reading:
    facts: list[Fact] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)  # the table rules that read something


NOT_THE_USER = (
    "said by the assistant: only the user's own statements, and what the assistant recommended "
    "by name, become memories"
)
NOT_A_STATEMENT = "not a statement: a greeting, thanks, filler, a request or a guess"
# What is said to keep the conversation going, not about the user: skipped with its reason.
_CHATTER = (
    (
        "thanks",
        re.compile(
            r"(?:thanks?|thank you|thx|ty|cheers|much appreciated|i appreciate (?:it|that)|"
            r"sounds (?:good|great)|got it|no worries|you'?re welcome)\b",
            re.I,
        ),
    ),
    (
        "a reply to the assistant",
        re.compile(
            r"(?:.*\b(?:that|this|your) (?:idea|suggestion|recommendation|advice|answer|"
            r"plan|poem|story|joke)\b|i (?:love|like) you\b)",
            re.I,
        ),
    ),
    ("small talk", re.compile(r"i am (?:fine|good|ok|okay|great|alright|well)\b", re.I)),
    (
        "a request",
        re.compile(
            r"(?:i (?:have a question|want to know|would like to know|need help|wonder|was "
            r"wondering)\b|please\b|.*\bplease$)",
            re.I,
        ),
    ),
)


def _chatter(text: str) -> str | None:
    plain = text.replace("I'm", "I am").replace("i'm", "I am")
    return next((reason for reason, pattern in _CHATTER if pattern.match(plain)), None)


MIN_KEPT_WORDS = 3  # a statement no rule reads is kept from this length ("I'm so tired")
FILTERED = "left out by the project's includes, excludes or custom instructions"
TOO_LONG = "too long for one fact"
EXCERPT_CHARS = 200


def extract_facts(messages: list[dict], **options) -> list[Fact]:
    """The facts of read_messages(messages, **options)."""
    return read_messages(messages, **options).facts


def read_messages(
    messages: list[dict],
    *,
    categories: list[dict[str, str]] | None = None,
    includes: str | None = None,
    excludes: str | None = None,
    custom_instructions: str | None = None,
) -> Reading:
    """Facts stated by the user in `messages`, in the order said, at most one per subject, and
    what was skipped.

    `categories` is the list in use ({name: description} items; None means the defaults).
    `includes` / `excludes` keep or drop facts whose text or categories mention their words;
    `custom_instructions` understands the forms listed in offline_categories.
    """
    cats = catalog(categories)
    keep, drop = instruction_filters(custom_instructions)
    filters = (word_filter(includes), keep), (word_filter(excludes), drop)
    reading = Reading()
    facts = []
    for index, sentence, draft in _drafts(messages, reading):
        fact, reason = _fact(draft, cats, filters)
        if fact is None:
            reading.skipped.append(Skip(index, draft.text[:EXCERPT_CHARS], reason))
        else:
            facts.append(replace(fact, message=index, excerpt=sentence.strip()[:EXCERPT_CHARS]))
    reading.facts = _latest_per_subject(facts)
    return reading


def _drafts(messages: object, reading: Reading) -> list[tuple[int, str, Draft]]:
    """(message index, sentence, draft) of the user's messages; what gives none is noted in
    `reading.skipped`, the rules that read something in `reading.fired`."""
    drafts: list[tuple[int, str, Draft]] = []
    budget = MAX_SENTENCES
    for index, role, content in _texts(messages):
        if role != "user":
            recommended = _recommendations(content)
            drafts += [(index, sentence, draft) for sentence, draft in recommended]
            if not recommended:
                reading.skipped.append(Skip(index, content[:EXCERPT_CHARS], NOT_THE_USER))
            continue
        found: list[tuple[int, str, Draft]] = []
        for sentence in _sentences(content)[:budget]:
            budget -= 1
            if _CJK.search(sentence):
                read = _read_cjk(sentence, index, reading)
            else:
                read = _read_english(sentence, index, reading)
            found += [(index, sentence, draft) for draft in read]
        drafts += found
        if budget <= 0:
            break
    return drafts


def _read_english(sentence: str, index: int, reading: Reading) -> list[Draft]:
    """The rules' facts; the statement clauses no rule reads are kept as said (cleaned), so
    nothing the user stated is lost; questions, requests, hedges and filler are skipped."""
    drafts, unread = [], []
    for raw in clauses(sentence):
        parts = _recognise(canonical(raw))
        for part, rule, read in parts:
            drafts += read
            reading.fired += [rule] if rule else []
            if not read:  # the clause as said if it is one thing, else the part
                unread.append(raw if len(parts) == 1 else part)
    # All of it unread: the sentence as said (clauses() rewrites "Tom and I"); else the parts.
    whole = not drafts and not sentence.rstrip().endswith("?")
    kept = (strip_filler(sentence) if whole else " ".join(unread)) if unread else ""
    kept = kept.strip(" ,;:-.!")
    if reason := _chatter(kept):
        reading.skipped.append(Skip(index, sentence.strip()[:EXCERPT_CHARS], reason))
    elif len(kept.split()) >= MIN_KEPT_WORDS:
        drafts.append(Draft(text=kept, subject=offline_table.kept_subject(kept), categories=()))
    elif not drafts:
        reason = "question" if sentence.rstrip().endswith("?") else NOT_A_STATEMENT
        reading.skipped.append(Skip(index, sentence.strip()[:EXCERPT_CHARS], reason))
    return drafts


def _recommendations(content: str) -> list[tuple[str, Draft]]:
    """(sentence, fact) of what the assistant recommended by name: users ask about it later
    ("which painters did you recommend to me?"). Its other words are not the user's."""
    found = []
    for sentence in _sentences(content)[:MAX_SENTENCES]:
        language = "zh" if _CJK.search(sentence) and not _KANA_HANGUL.search(sentence) else "en"
        if draft := offline_table.recommendation(sentence, language):
            found.append((sentence, draft))
    return found


def _sentences(content: str) -> list[str]:
    """English sentences, each cut again where a Chinese or Japanese one ends (_CJK_SENTENCE)."""
    return [part for s in sentences(content) for part in _CJK_SENTENCE.split(s) if part.strip()]


# Han, kana and hangul; a message holding any is read by sentence with the tables.
_CJK = re.compile(f"[{CJK}]")
_KANA_HANGUL = re.compile("[\u3040-\u30ff\uac00-\ud7af]")
_CJK_SENTENCE = re.compile("[\u3002\uff01\uff1f\n]+")  # the ideographic full stop, ! and ?


def _read_cjk(sentence: str, index: int, reading: Reading) -> list[Draft]:
    """Chinese by its table; Japanese and Korean, which have none yet, kept as said."""
    if _KANA_HANGUL.search(sentence):
        text = sentence.strip()
        if text.endswith(("?", "\uff1f")):
            reading.skipped.append(Skip(index, text[:EXCERPT_CHARS], "question"))
            return []
        return [Draft(text=text, subject=offline_table.kept_subject(text), categories=())]
    read = offline_table.read_sentence(sentence, "zh")
    reading.skipped += [Skip(index, excerpt[:EXCERPT_CHARS], why) for excerpt, why in read.skipped]
    reading.fired += read.fired
    return read.drafts + read.kept


def _texts(messages: object) -> list[tuple[int, str, str]]:
    """(index, role, content) of the messages that have text."""
    if not isinstance(messages, (list, tuple)):
        return []
    return [
        (index, m.get("role"), m["content"])
        for index, m in enumerate(messages)
        if isinstance(m, dict)
        and m.get("role") in {"user", "assistant"}
        and isinstance(m.get("content"), str)
    ]


_HAVE_LIST = re.compile(r"(I (?:have|own|got|adopted)) (.+)", re.I)
_LIST_BREAK = re.compile(
    r"(\s*,\s*(?:and\s+)?|\s+and\s+)(?=(?:a|an|one|two|three|four|five|six|\d+)\b)", re.I
)
_PLURAL = re.compile(r"(?:two|three|four|five|six|\d+) ", re.I)
_AGED_ROLE = re.compile(
    r"I am (?:a|an) (?P<n>\d{1,3})[- ]years?[- ]old (?P<role>.+?)(?: from (?P<place>.+))?", re.I
)


_PAST_TAIL = re.compile(
    r"\s+(?:last (?:week|weekend|month|year|night|summer|winter|spring|fall|autumn)|yesterday|"
    r"recently|this (?:week|month|year|morning)|in (?:19|20)\d\d|"
    r"(?:a|one|two|three|a few|a couple of|\d+) (?:days?|weeks?|months?|years?) ago)$",
    re.I,
)


def _recognise(clause: Clause) -> list[tuple[str, str, list[Draft]]]:
    """(part, the rule that read it, its drafts) for each thing the clause says; no drafts: no
    rule read it."""
    parts = []
    for part in _expand(clause):
        rule, found = offline_table.read_clause(part, "en")
        if not found and _PAST_TAIL.search(part.text):
            # "My cat died last week": when it happened is not part of the fact.
            untimed = replace(part, text=_PAST_TAIL.sub("", part.text))
            rule, found = offline_table.read_clause(untimed, "en")
        parts.append((part.text, rule, found))
    return parts


# "I am vegetarian and allergic to nuts", "I love hiking and hate crowds", "I'm allergic to
# cheese and can't eat pizza": the subject (and "am") shared by two predicates.
_SHARED_VERBS = (
    "love|like|enjoy|hate|dislike|live|work|have|own|play|speak|eat|drink|study|prefer|avoid|"
    "can'?t|cannot|can not|don'?t|do not|never|am"
)
_SHARED_SUBJECT = re.compile(
    rf"(?P<head>I(?: am)?) (?P<a>.+?) and (?:I )?(?P<b>(?:also |really )?(?:{_SHARED_VERBS}|"
    r"allergic|vegetarian|vegan|pescatarian|married|single|from)\b.*)",
    re.I,
)
_OWN_VERB = re.compile(rf"(?:also |really )?(?:{_SHARED_VERBS})\b", re.I)


def _expand(clause: Clause) -> list[Clause]:
    """One clause that says several things -> one clause per thing."""
    if (match := _SHARED_SUBJECT.fullmatch(clause.text)) and " and " not in match["a"]:
        # "…and can't eat pizza" has a verb of its own: the second part takes "I", not "I am".
        head = "I" if _OWN_VERB.match(match["b"]) else match["head"]
        first = replace(clause, text=f"{match['head']} {match['a']}")
        second = replace(clause, text=f"{head} {match['b']}")
        return [*_expand(first), *_expand(second)]
    if match := _AGED_ROLE.fullmatch(clause.text):  # "I'm a 34 year old nurse from Manila"
        texts = [f"I am {match['n']}", f"I am {article(match['role'])} {match['role']}"]
        texts += [f"I am from {match['place']}"] if match["place"] else []
        return [replace(clause, text=text) for text in texts]
    match = _HAVE_LIST.fullmatch(clause.text)
    parts = _LIST_BREAK.split(match[2]) if match else []
    if len(parts) < 3:
        return [clause]
    if _PLURAL.match(parts[0]) and "," in parts[1]:
        parts = parts[:1]  # "two dogs, a husky and a beagle" describes the two dogs
    return [replace(clause, text=f"{match[1]} {part}") for part in parts[::2]]


def _fact(
    draft: Draft, cats: list[Category], filters: tuple[tuple[Filter | None, ...], ...]
) -> tuple[Fact | None, str]:
    """The fact of a draft, or None and why not."""
    text = " ".join(draft.text.split()).rstrip(" .,;:!?")
    if not text:
        return None, "nothing left once cleaned"
    # A rule's fact is short; a statement kept as said is as long as it was said.
    if len(text.split()) > MAX_FACT_WORDS and not draft.subject.startswith(
        offline_table.KEPT_SUBJECT
    ):
        return None, TOO_LONG
    text = text[0].upper() + text[1:]
    subject = " ".join(draft.subject.lower().split())
    assigned = assign(text, subject, draft.categories, cats)
    defaults = set(draft.categories) | topics(text)
    keeps, drops = filters
    if any(f is not None and not f.matches(text, assigned, defaults) for f in keeps):
        return None, FILTERED
    if any(f is not None and f.matches(text, assigned, defaults) for f in drops):
        return None, FILTERED
    return Fact(text, assigned, subject), ""


def _latest_per_subject(facts: list[Fact]) -> list[Fact]:
    """Repeats dropped; a later fact about the same subject replaces the earlier one."""
    result: list[Fact] = []
    for fact in facts:
        if any(kept.text.lower() == fact.text.lower() for kept in result):
            continue
        result = [kept for kept in result if kept.subject != fact.subject]
        result.append(fact)
    return result
