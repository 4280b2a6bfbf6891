"""Text handling for the offline extractor: sentences, clauses and the canonical clause form.

The rules (offline_rules*.py) match one clause at a time, written canonically: contractions
expanded ("I am", "do not"), "we" folded into "I", filler and hedges gone, and "no longer" /
"anymore" turned into a plain negation plus the `ended` flag. One pattern per rule then covers
"I'm not vegetarian anymore", "I'm no longer vegetarian" and "we stopped being vegetarian".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from memories.extraction.offline_vocab import NATIONALITIES, NOT_NAMES, NOT_PLACES, split_time

MAX_MESSAGE_CHARS = 20_000
MAX_SENTENCE_CHARS = 300  # longer "sentences" are pasted text, not something the user said
MAX_FACT_WORDS = 15


@dataclass(frozen=True)
class Clause:
    text: str  # canonical: "I am not vegetarian"
    ended: bool = False  # said "no longer" / "anymore": the negation ends an earlier fact
    casual: bool = False  # typed without capitals, so places and names may be title-cased


@dataclass(frozen=True)
class Draft:
    """A fact as a rule sees it; categories here are default-category names."""

    text: str
    subject: str
    categories: tuple[str, ...]


# -- sentences and clauses -------------------------------------------------------------------

_ABBREVIATION = re.compile(r"\b(St|Dr|Mr|Mrs|Ms|Prof|Jr|Sr|Mt|vs|etc|e\.g|i\.e)\.(?=\s)", re.I)
_SENTENCE_END = re.compile(
    r"(?<=[.!?;…])\s+|(?<=[\u3002\uff01\uff1f])\s*|\s*\n\s*|\s+[-\u2013\u2014]+\s+"
)
_EMOJI = re.compile(r"[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200d]+")
_HELD_DOT = "\u2024"
_TRAILING = re.compile(r"[\s.,!?;:…~*\"'()\[\]{}<>-]+$")
_LEADING = re.compile(r"^[\s.,!?;:…~*\"'()\[\]{}<>-]+")
_FIRST_PERSON = r"(?:i|i'm|im|i've|i'd|i'll|my|we|we're|we've|our)\b"
_CLAUSE_BREAK = re.compile(
    rf"\s*,\s*(?:(?:and|but|so|plus|though|although|because|since|while|whereas)\s+)?"
    rf"(?={_FIRST_PERSON})|\s+(?:and|but|so|plus|though|although|because|while|whereas)\s+"
    rf"(?:(?:now|then|also|still|actually)\s+)?(?={_FIRST_PERSON})",
    re.I,
)
# "I'm vegan and love cooking": a verb right after "and" shares the sentence's "I".
_IMPLIED_I = re.compile(
    r"\s+(and|but)\s+(?:also\s+)?(?=(?:live|work|love|like|enjoy|hate|have|play|own|drive|"
    r"speak|study|am|prefer|use|dislike|adore|go|grew|moved)\b)",
    re.I,
)


def sentences(text: str) -> list[str]:
    text = text[:MAX_MESSAGE_CHARS].replace("\u2019", "'").replace("\u2018", "'")
    text = _EMOJI.sub(" ", text)
    held = _ABBREVIATION.sub(lambda m: m.group(1) + _HELD_DOT, text)
    parts = (part.replace(_HELD_DOT, ".").strip() for part in _SENTENCE_END.split(held))
    return [part for part in parts if part and len(part) <= MAX_SENTENCE_CHARS]


_CHAT_TAIL = re.compile(
    r",\s*(?:nice to meet you|pleased to meet you|thanks|thank you|lol|haha\w*|btw|by the way|"
    r"fyi|just saying|if that helps|if that matters|for context|for what it'?s worth|"
    r"in case you (?:were wondering|need to know))\W*$",
    re.I,
)
# "My husband and I are vegan" is said of both, the user included.
_PAIR = re.compile(
    r"^(?:(?:my|our) \w+ and I|me and my \w+|I and my \w+|(?:my|our) family(?= is| are))\b", re.I
)
_REQUEST = re.compile(
    r",?\s+so\s+(?=please|can you|could you|would you|make sure|keep|avoid|don'?t|do not|no)\b",
    re.I,
)
_ASIDE = re.compile(r"\s*\([^()]{0,60}\)")  # "I'm vegan (mostly)": the aside is not the fact


def clauses(sentence: str) -> list[str]:
    """The statement clauses of a sentence; a trailing question is dropped."""
    question = sentence.rstrip().endswith("?")
    body = strip_filler(_CHAT_TAIL.sub("", _TRAILING.sub("", _ASIDE.sub("", sentence))))
    body = _PAIR.sub("we", body)
    if re.match(_FIRST_PERSON, body, re.I):
        body = _IMPLIED_I.sub(r" \1 I ", body)
    pieces = (piece for chunk in _REQUEST.split(body) for piece in _CLAUSE_BREAK.split(chunk))
    parts = [p for p in (strip_filler(piece) for piece in pieces) if p]
    if question:
        parts = [p for p in (strip_filler(x) for x in ",".join(parts).split(",")[:-1]) if p]
    return [p for p in parts if not (is_question(p) or is_command(p) or is_hedged(p))]


# -- filler, questions, commands, hedges -----------------------------------------------------

_FILLER = re.compile(
    r"^(?:(?:actually|by the way|btw|well|so|oh|also|and|but|anyway|anyways|honestly|fyi|"
    r"just so you know|for the record|for context|for reference|just to let you know|"
    r"to be honest|tbh|um+|uh+|hmm+|you know|as you know|as i said|like i said|i mean|"
    r"ok so|okay so|basically|oh and|yeah so|so yeah|fun fact|"
    r"(?:please )?remember(?: that)?|(?:please )?note(?: that)?|keep in mind(?: that)?|"
    r"don'?t forget(?: that)?|i want you to know(?: that)?|you should know(?: that)?|"
    r"now|these days|nowadays|lately|since|because|as|though|plus|then|"
    r"in my (?:free|spare) time|at the moment|right now)\b[\s,:;!.\u2013\u2014-]*)+",
    re.I,
)
_INTERJECTION = re.compile(
    r"^(?:(?:yes|yeah|yep|yup|no|nope|nah|ok|okay|sure|right|cool|great|nice|hi|hello|hey|"
    r"hey there|hi there|thanks|thank you|lol|haha+|alright|true|exactly|correct|indeed|wow|"
    r"sorry|oops|good morning|good evening|look|listen|dear \w+|(?:hi|hey|hello) \w+)"
    r"(?:\s*[,!.:;\u2013\u2014-]+\s*|\s+(?=(?:i|i'm|im|my|we|our)\b)))+",
    re.I,
)
_QUESTION_START = re.compile(
    r"^(?:what|where|when|why|who|whom|whose|which|how|do|does|did|can|could|would|should|"
    r"will|shall|may|is|are|am|was|were|have you|has|any|anyone|anybody|is there|are there)\b",
    re.I,
)
_COMMAND_START = re.compile(
    r"^(?:please|write|tell|give|show|help|make|create|explain|list|find|translate|summari[sz]e|"
    r"draft|generate|draw|book|send|set|schedule|recommend|suggest|search|look|compose|"
    r"calculate|compute|convert|fix|check|let'?s|forget|delete|erase|remove|describe|add|"
    r"update|change|plan|imagine|pretend|suppose|read|sing|play|open|remind|order|rewrite)\b",
    re.I,
)
_HEDGE = re.compile(
    r"^(?:if|suppose|supposing|imagine|hypothetically|let'?s say|assuming|in theory|"
    r"pretend)\b|\b(?:maybe|perhaps|probably|possibly|might|may be|not sure|i think|i guess|"
    r"i suppose|i wish|i would|i'd|i could|i should|i wonder|wondering|if i|if we|unless|"
    r"pretend|hypothetical\w*|would be|used to)\b",
    re.I,
)


def strip_filler(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _INTERJECTION.sub("", _FILLER.sub("", _LEADING.sub("", text))).strip()
    return _TRAILING.sub("", text)


def is_question(text: str) -> bool:
    return text.endswith("?") or bool(_QUESTION_START.match(text))


def is_command(text: str) -> bool:
    return bool(_COMMAND_START.match(text))


def is_hedged(text: str) -> bool:
    """Hypotheticals, guesses and habits of the past: a wrong memory is worse than none."""
    return bool(_HEDGE.search(text))


# -- the canonical clause --------------------------------------------------------------------

_REWRITES = tuple(
    (re.compile(pattern, re.I), replacement)
    for pattern, replacement in (
        (r"[\u2018\u2019`\u00b4]", "'"),
        (r"\b(?:i'm|im|i am)\b", "I am"),
        (r"\b(?:i've|ive)\b", "I have"),
        (r"\bi'll\b", "I will"),
        (r"\bcan'?t\b|\bcan not\b", "cannot"),
        (r"\bwon'?t\b", "will not"),
        (r"\bain'?t\b", "am not"),
        (r"\b(do|does|did|is|are|was|were|have|has|had)n'?t\b", r"\1 not"),
        (r"\b(it|that|there|what|name)'s\b", r"\1 is"),
        (r"^I have been to\b", "I visited"),
        (r"^I do (like|love|enjoy|have|live|work)\b", r"I \1"),
        (r"^we(?: are|'re| is)\b", "I am"),
        (r"^I(?:'ve| have) got\b", "I have"),
        (r"^we(?:'ve| have)\b", "I have"),
        (r"^we(?:'ll| will)\b", "I will"),
        (r"^we were\b", "I was"),
        (r"^we\b", "I"),
        (r"^our\b", "my"),
        (r"\bi\b", "I"),
    )
)
_ADVERBS = (
    r"really|just|also|still|actually|currently|now|totally|absolutely|definitely|honestly|"
    r"literally|truly|genuinely|personally|kind of|kinda|sort of|pretty much|recently|finally|"
    r"officially|usually|generally|seriously|even|already|originally|basically|always|both|"
    r"very|so|too|quite|happily|proudly|newly|somewhat"
)
_AFTER_I = re.compile(
    rf"^I (am |do not |am not |have been |have |will |will be )?(?:(?:{_ADVERBS}) )+", re.I
)
_PERFECT = {
    "lived": "live", "worked": "work", "loved": "love", "liked": "like", "hated": "hate",
    "played": "play", "studied": "study", "owned": "own", "used": "use", "had": "have",
    "enjoyed": "enjoy", "spoken": "speak", "driven": "drive", "done": "do", "collected": "collect",
}  # fmt: skip
_PERFECT_RE = re.compile(rf"^I have ({'|'.join(_PERFECT)})\b", re.I)
_CHAT_END = re.compile(
    r"(?:\s+(?:lol|lmao|haha\w*|tbh|btw|now|though|tho|anyway|too|as well|again|these days))+$",
    re.I,
)
_ENDED_TAIL = re.compile(r"[\s,]*\b(?:any ?more|any longer|no more)\b", re.I)
_ENDED_START = (
    (re.compile(r"^I am no longer\b", re.I), "I am not"),
    (re.compile(r"^I (?:stopped|quit|gave up) being\b", re.I), "I am not"),
    (re.compile(r"^I (?:stopped|quit|gave up) eating\b", re.I), "I do not eat"),
    (re.compile(r"^I no longer\b", re.I), "I do not"),
)


def canonical(raw: str) -> Clause:
    # "i live in berlin" and "I live in berlin" are both typed without capitals.
    casual = not any(ch.isupper() for ch in re.sub(r"\bI\b", "", raw[1:]))
    text = raw
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    text = _AFTER_I.sub(lambda m: "I " + (m.group(1) or ""), text)
    text = _PERFECT_RE.sub(lambda m: "I " + _PERFECT[m.group(1).lower()], text)
    text = re.sub(r"^I have been\b", "I am", text)
    ended = False
    if _ENDED_TAIL.search(text):
        text, ended = _ENDED_TAIL.sub("", text), True
    for pattern, replacement in _ENDED_START:
        if pattern.match(text):
            text, ended = pattern.sub(replacement, text, count=1), True
    text = _AFTER_I.sub(lambda m: "I " + (m.group(1) or ""), text)
    text = re.sub(r"^I do not (am|have been)\b", "I am not", text)
    text = _CHAT_END.sub("", text)
    return Clause(" ".join(text.split()), ended=ended, casual=casual)


# -- small helpers the rules share -----------------------------------------------------------

_STOP = re.compile(
    r"\s*(?:[;:(]|\s[-\u2013\u2014]\s|\b(?:but|because|cause|cuz|since|although|though|except|unless|"
    r"whenever|when|while|if|which|who|whom|whose|where|so that|especially|as well as|even though|"
    r"lol|haha+|tbh|btw|right now|at the moment|these days|nowadays|anyway|and so|so I)\b).*$",
    re.I,
)
_TAIL_ADVERBS = re.compile(
    r"(?:\s+(?:so much|a lot|a ton|very much|too|as well|lately|honestly|though|in general|"
    r"now|currently|actually|really|for sure|tbh|haha+|lol|originally|I guess|I think))+$",
    re.I,
)
_PRONOUN = re.compile(
    r"\b(?:I|me|my|mine|myself|you|your|yours|yourself|we|us|our|ours|he|him|his|she|her|"
    r"hers|they|them|their|it|its)\b",
    re.I,
)
_VAGUE_START = re.compile(
    r"^(?:this|that|these|those|it|everything|anything|nothing|something|some|what|how|when|"
    r"where|which|who|whatever|the way|the idea|the one|the fact|one|both|all of|lots|lot|"
    r"a lot|a bit|a little|well|much|so|very|too|not|to be|being|here|there)\b",
    re.I,
)
_LIST = re.compile(r"^[^,]{1,40}(?:,\s*[^,]{1,40})*,?\s+(?:and|or|&)\s+[^,]{1,40}$")
_SMALL_WORDS = {"of", "the", "and", "de", "da", "del", "la", "le", "van", "von", "upon", "on"}
_UPPER_WORDS = {"us", "uk", "usa", "uae", "nyc", "la", "sf", "dc", "eu"}


def tidy(text: str, *, max_words: int = 6, allow_pronouns: bool = False) -> str:
    """An object phrase cut at its first clause boundary; "" when it is vague or too long."""
    text = _STOP.sub("", text).strip()
    if "," in text and not _LIST.match(text):
        text = text.split(",", 1)[0]
    text = _TRAILING.sub("", _TAIL_ADVERBS.sub("", text)).strip()
    if not text or len(text.split()) > max_words or _VAGUE_START.match(text):
        return ""
    if not allow_pronouns and _PRONOUN.search(text):
        return ""
    return text


def items(text: str) -> list[str]:
    """ "peanuts, shellfish and eggs" -> its items."""
    parts = re.split(r"\s*(?:,|\band\b|\bor\b|&|/)\s*", text)
    return [part.strip() for part in parts if part.strip()]


def proper(text: str) -> str:
    """Title-case a place or name typed in lowercase ("new york" -> "New York")."""
    words = []
    for index, word in enumerate(text.split()):
        lower = word.lower()
        if lower in _UPPER_WORDS:
            words.append(lower.upper())
        elif index and lower in _SMALL_WORDS:
            words.append(lower)
        else:
            words.append(word[:1].upper() + word[1:])
    return " ".join(words)


def key(text: str) -> str:
    """The normalised part of a subject: lowercase, no articles or punctuation."""
    words = re.findall(r"[\w+#'-]+", text.lower())
    return " ".join(w for w in words if w not in {"a", "an", "the", "some", "my"}).strip()


def third_person(verb: str) -> str:
    """ "play" -> "plays", "listen to" -> "listens to"."""
    first, _, rest = verb.lower().partition(" ")
    irregular = {"have": "has", "be": "is", "do": "does", "go": "goes"}
    if first in irregular:
        first = irregular[first]
    elif re.search(r"(?:s|sh|ch|x|z|o)$", first):
        first += "es"
    elif re.search(r"[^aeiou]y$", first):
        first = first[:-1] + "ies"
    else:
        first += "s"
    return f"{first} {rest}".strip()


def gerund(verb: str) -> str:
    """ "run" -> "running", "move" -> "moving", "learn" -> "learning"."""
    first, _, rest = verb.lower().partition(" ")
    if re.fullmatch(r"(?:[^aeiou]|qu)*[aeiou][bdgmnprt]", first) and first not in {"visit"}:
        first += first[-1]  # one short syllable: "run", "swim", "quit", "plan"
    elif first.endswith("e") and not first.endswith("ee"):
        first = first[:-1]
    return f"{first}ing {rest}".strip()


def does(verb: str, rest: str, *, negated: bool = False, ended: bool = False) -> str:
    """ "Works at Acme" / "No longer works at Acme" / "Does not work at Acme"."""
    if negated and ended:
        return f"No longer {third_person(verb)} {rest}"
    if negated:
        return f"Does not {verb.lower()} {rest}"
    return f"{third_person(verb).capitalize()} {rest}"


def is_(rest: str, *, negated: bool = False, ended: bool = False) -> str:
    """ "Is vegetarian" / "Is no longer vegetarian" / "Is not vegetarian"."""
    if negated:
        return f"Is {'no longer' if ended else 'not'} {rest}"
    return f"Is {rest}"


def article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


NAME_WORD = r"[^\W\d_][\w'-]*"


def person_name(raw: str, c: Clause) -> str:
    """A name as given ("Alex", "Mary Ann"); "" for "I am Good" or "I am Brazilian"."""
    name = tidy(re.split(r"\s+(?:and|but|from|who|by|because)\b", raw, maxsplit=1)[0], max_words=3)
    words = name.split()
    if not words or any(w.lower() in NOT_NAMES or w.lower() in NATIONALITIES for w in words):
        return ""
    if not all(re.fullmatch(NAME_WORD, w) for w in words):
        return ""
    return proper(name) if c.casual or name.islower() else name


def place_name(raw: str, c: Clause) -> str:
    """A proper-noun place ("Berlin", "the UK"); "" for "a small flat" or anything vaguer."""
    cut = re.split(r"\s+(?:with|for|near|close to|and|since|to)\b", raw, maxsplit=1)[0]
    place = tidy(split_time(cut)[0], max_words=5)
    head = re.sub(r"^the\s+", "", place, flags=re.I)
    if not head or not all(re.fullmatch(r"[^\W_][\w'.-]*", w) for w in head.split()):
        return ""
    if head[0].isupper():
        return place
    if c.casual and place.split()[0].lower() not in NOT_PLACES:
        return proper(place)
    return ""
