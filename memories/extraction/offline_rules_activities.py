"""Offline extraction rules about what the user does: plans, trips, pastimes, languages, things.

Functions the English table names (memories/data/extraction_en.json), same contract as
offline_rules: one canonical clause in, drafts out, [] to pass.
"""

from __future__ import annotations

import re

from memories.extraction.offline_text import (
    Clause,
    Draft,
    article,
    does,
    gerund,
    items,
    key,
    proper,
    tidy,
)
from memories.extraction.offline_vocab import (
    ACTIVITIES,
    DEVICES,
    HOBBY_VERBS,
    LANGUAGES,
    PLAN_VERBS,
    PROGRAMMING,
    TECH_WORDS,
    alternation,
    split_time,
)

# -- plans and travel ------------------------------------------------------------------------

_TRIP = re.compile(
    r"I (?:am|will be) (?P<neg>not )?(?:travell?ing|flying|heading|driving|taking a trip|"
    r"going on (?:a )?(?:trip|vacation|holiday)|going back|off) to (?P<v>.+)|"
    r"I am (?P<neg4>not )?going to (?P<g>(?-i:(?:the )?[A-Z]).+)|"
    r"I (?:am|will be) (?P<neg2>not )?visiting (?P<w>.+)|"
    r"I (?P<neg3>do not )?(?P<verb>plan|am planning|intend|hope|want|am hoping) to "
    r"(?:visit|go to|travel to|fly to|go back to) (?P<x>.+)|I will be in (?P<y>.+)",
    re.I,
)
_TRIP_KIND = re.compile(
    r"I (?:am (?:going|heading) (?:on|for)|am planning|plan|have planned|booked|have booked|"
    r"am taking) (?:a |my )?(?P<k>vacation|holiday|trip|honeymoon|cruise|road trip|"
    r"business trip|camping trip|ski trip|safari)(?: to (?P<v>.+)|(?P<when> .+))?",
    re.I,
)
_VISITED = re.compile(r"I (?:visited|got back from|traveled to|travelled to) (?P<v>.+)", re.I)
_CANCELLED = re.compile(
    r"I (?:cancelled|canceled) my (?:trip|vacation|holiday|flight) to (?P<v>.+)", re.I
)
_PLAN_VERB = alternation(PLAN_VERBS)
_PLAN = re.compile(
    rf"I (?P<neg>am not |do not )?(?P<how>am planning|plan|am going|intend|am about|am hoping|"
    rf"hope|want|am aiming|aim|will|have decided|decided) to (?P<verb>{_PLAN_VERB})\b(?P<rest>.*)",
    re.I,
)
_GERUNDS = {gerund(verb): verb for verb in PLAN_VERBS}
# "I'm running a half marathon in October": the present for a dated plan.
_DOING = re.compile(rf"I am (?P<ger>{alternation(_GERUNDS)}) (?P<rest>.+)", re.I)
_MY_PLAN = re.compile(
    rf"my (?P<kind>plan|goal|dream) is to (?P<verb>{_PLAN_VERB})\b(?P<rest>.*)", re.I
)


def trip(c: Clause) -> list[Draft]:
    if m := _TRIP_KIND.fullmatch(c.text):
        return _trip_kind(m, c)
    if m := _TRIP.fullmatch(c.text):
        return _trip(m, c)
    return []


def past_trip(c: Clause) -> list[Draft]:
    if m := _CANCELLED.fullmatch(c.text):
        text, subject = "Cancelled trip to {}", "trip:{}"
    elif m := _VISITED.fullmatch(c.text):
        text, subject = "Visited {}", "visited:{}"
    else:
        return []
    place = _destination(m["v"], c)[0]
    return [Draft(text.format(place), subject.format(key(place)), ("travel",))] if place else []


def plan(c: Clause) -> list[Draft]:
    if m := _PLAN.fullmatch(c.text) or _MY_PLAN.fullmatch(c.text):
        return _plan(m, c)
    if m := _DOING.fullmatch(c.text):
        rest, when = split_time(m["rest"])
        rest = tidy(rest, max_words=6) if when else ""
        verb = _GERUNDS[m["ger"].lower()]
        text = f"Is {m['ger'].lower()} {rest} {when}"
        return [Draft(text, f"plan:{key(verb + ' ' + rest)}", ())] if rest else []
    return []


def _destination(raw: str, c: Clause) -> tuple[str, str]:
    cut = re.split(r"\s+(?:with|for (?!\d)|to see|because|and|but|from|to)\b", raw)[0]
    head, when = split_time(cut)
    when = when or split_time(raw[len(cut) :])[1]
    place = tidy(head, max_words=4)
    if not place or not re.fullmatch(r"(?:the )?[^\W\d_][\w'.-]*(?: [\w'.-]+)*", place):
        return "", ""
    if not place.removeprefix("the ")[:1].isupper():
        first = place.split()[0].lower()
        if not c.casual or first in {"a", "an", "the", "work", "bed", "school"} | PLAN_VERBS:
            return "", ""
        place = proper(place)
    return place, when


def _trip(m: re.Match, c: Clause) -> list[Draft]:
    raw = m["v"] or m["w"] or m["x"] or m["y"] or m["g"]
    if m["y"] and not split_time(raw)[1]:
        return []  # "I'll be in the office": only a dated stay is a trip
    place, when = _destination(raw, c)
    if not place or (m["g"] and when.lower() in {"later", "today", "tonight"}):
        return []  # "I'm going to Costco later" is an errand
    negated = bool(m["neg"] or m["neg2"] or m["neg3"] or m["neg4"])
    verb = "Wants" if (m["verb"] or "").lower() in {"want", "hope", "am hoping"} else "Plans"
    rest = f"to visit {place}" + (f" {when}" if when else "")
    if negated and (c.ended or not m["neg3"]):
        text = f"No longer {verb.lower()} {rest}"
    elif negated:
        text = f"Does not {'want' if verb == 'Wants' else 'plan'} {rest}"
    else:
        text = f"{verb} {rest}"
    return [Draft(text, f"trip:{key(place)}", ("travel",))]


def _trip_kind(m: re.Match, c: Clause) -> list[Draft]:
    place, when = _destination(m["v"] or "", c) if m["v"] else ("", "")
    when = when or split_time(m["when"] or "")[1]
    kind = m["k"].lower()
    if m["v"] and not place:
        return []
    text = f"Plans {article(kind)} {kind}" + (f" to {place}" if place else "")
    text += f" {when}" if when else ""
    return [Draft(text, f"trip:{key(place or kind)}", ("travel",))]


_WISHES = {"want", "hope", "am hoping", "aim", "am aiming", "goal", "dream"}
# "I'm going to take a nap" is chat; "I'm going to start a course in May" is a plan.
_NEEDS_DATE = {"am going", "will", "am about"}


def _plan(m: re.Match, c: Clause) -> list[Draft]:
    rest, when = split_time(m["rest"])
    rest = tidy(rest, max_words=8) if rest.strip() else ""
    groups = m.groupdict()
    how = (groups.get("how") or groups.get("kind") or "plan").lower()
    vague = (bool(m["rest"].strip()) and not rest) or rest.lower().startswith("the ")
    if vague or not (rest or when) or (how in _NEEDS_DATE and not when):
        return []
    verb = m["verb"].lower()
    phrase = " ".join(x for x in (verb, rest, when) if x)
    negated = bool(groups.get("neg"))
    lead = "Wants" if how in _WISHES else "Plans"
    text = f"No longer {lead.lower()} to {phrase}" if negated else f"{lead} to {phrase}"
    return [Draft(text, f"plan:{key(' '.join(x for x in (verb, rest) if x))}", ())]


# -- pastimes, languages, things -------------------------------------------------------------

_FREQUENCY = re.compile(
    r"\s+(?:every|each|on|twice|once|\d+ times|three times|a few times|daily|weekly|regularly|"
    r"sometimes|often|occasionally|competitively|professionally|for fun|most|at night|"
    r"in the (?:morning|evening)s?|after work|before work|at (?:the )?weekends?|in (?:the )?summer|"
    r"in (?:the )?winter|whenever|almost every|nearly every|all the time|a lot|for \w+ years)\b.*$",
    re.I,
)
_DO = rf"do(?= (?:{alternation(ACTIVITIES)})\b)"  # "I do yoga", not "I do the dishes"
_PLAY = re.compile(
    rf"I (?P<neg>do not )?(?P<verb>play|practice|practise|collect|watch|listen to|{_DO}) "
    r"(?P<o>.+)|I (?P<neg2>do not )?go (?P<g>[a-z]+ing)\b(?P<gt>.*)",
    re.I,
)
_HOBBY = re.compile(
    rf"I (?P<neg>do not )?(?P<verb>{alternation(HOBBY_VERBS)})"
    r"(?P<o> (?:marathons|half marathons|ultramarathons|trails|bread|cakes|pastries|portraits|"
    r"landscapes|watercolors|watercolours|sweaters|poetry|fiction|songs|music))?(?P<t>\s.+)?",
    re.I,
)
_LEARNING = re.compile(
    r"I am (?:learning|taking (?P<x>[\w -]{2,30}?) (?:lessons|classes)|practicing|practising|"
    r"teaching myself|studying) ?(?P<o>.*)|I (?:started|began) learning (?P<s>.+)",
    re.I,
)


def learning(c: Clause) -> list[Draft]:
    return _learning(m) if (m := _LEARNING.fullmatch(c.text)) else []


def play(c: Clause) -> list[Draft]:
    return _play(m, c) if (m := _PLAY.fullmatch(c.text)) else []


def pastime(c: Clause) -> list[Draft]:
    """ "I swim every morning": a hobby verb alone or with how often."""
    if not (m := _HOBBY.fullmatch(c.text)) or not _is_frequency(m["t"]):
        return []
    verb, obj, freq = m["verb"].lower(), (m["o"] or "").strip().lower(), (m["t"] or "").strip()
    rest = " ".join(x for x in (obj, freq) if x)
    text = does(verb, rest, negated=bool(m["neg"]), ended=c.ended).strip()
    return [Draft(text, f"activity:{verb}", ("hobbies",))]


def _is_frequency(tail: str | None) -> bool:
    return not tail or (bool(_FREQUENCY.fullmatch(tail)) and not re.search(r"\bmy\b", tail, re.I))


def _learning(m: re.Match) -> list[Draft]:
    if m["x"]:
        lesson = tidy(m["x"], max_words=3)
        text = f"Is taking {lesson} lessons"
        return [Draft(text, f"learning:{key(lesson)}", ("hobbies",))] if lesson else []
    obj = _FREQUENCY.sub("", m["o"] or m["s"] or "")
    obj = tidy(re.split(r"\s+(?:for|with|at|on)\b", obj, maxsplit=1)[0], max_words=5)
    if not obj:
        return []
    subject = re.sub(r"^(?:to|how to) ", "", key(obj))
    return [Draft(f"Is learning {obj}", f"learning:{subject}", ("hobbies",))]


def _play(m: re.Match, c: Clause) -> list[Draft]:
    if m["g"]:
        verb, obj, tail = "go", m["g"].lower(), m["gt"] or ""
        negated = bool(m["neg2"])
    else:
        verb, negated = m["verb"].lower(), bool(m["neg"])
        raw = re.sub(r"^(?:a lot of|lots of|plenty of) ", "", m["o"], flags=re.I)
        freq = _FREQUENCY.search(" " + raw)
        obj = raw[: freq.start()] if freq else raw
        tail = (" " + raw)[freq.start() :] if freq else ""
        obj = tidy(re.split(r"\s+(?:with|for|at|in)\b", obj, maxsplit=1)[0], max_words=5)
    if not obj or (tail and not _is_frequency(tail)):
        return []
    freq_text = tidy(tail, max_words=5) if tail else ""
    text = does(verb, " ".join(x for x in (obj, freq_text) if x), negated=negated, ended=c.ended)
    label = re.sub(r"^the ", "", obj.lower())
    kind = {"watch": "watches", "listen to": "listens", "collect": "collects"}.get(verb, "activity")
    return [Draft(text, f"{kind}:{key(label)}", ("hobbies",))]


_LANGUAGE = alternation(LANGUAGES)
_SPEAK = re.compile(
    r"I (?P<neg>do not )?speak (?P<v>.+?)(?: (?:fluently|a little|well|natively|at home))?|"
    r"I am (?P<how>fluent|conversational|native) in (?P<w>.+)",
    re.I,
)
_PROGRAMS = re.compile(
    r"I (?:mostly |mainly )?(?:code|program|develop|write code|work) (?:in|with) (?P<v>.+)",
    re.I,
)


def speaks(c: Clause) -> list[Draft]:
    if not (m := _SPEAK.fullmatch(c.text)):
        return []
    spoken = re.sub(r"^(?:a little|some|basic|fluent|native|decent|good) ", "", m["v"] or m["w"])
    langs = [x.lower() for x in items(spoken)]
    if not langs or any(lang not in LANGUAGES for lang in langs):
        return []
    how = (m["how"] or "").lower()
    return [_speaks(proper(lang), how, bool(m["neg"]), c.ended) for lang in langs]


def programming(c: Clause) -> list[Draft]:
    langs = [x.lower() for x in items(m["v"])] if (m := _PROGRAMS.fullmatch(c.text)) else []
    if not langs or any(lang not in PROGRAMMING for lang in langs):
        return []
    return [Draft(f"Codes in {_prog(x)}", f"programming:{x}", ("technology",)) for x in langs]


def _speaks(lang: str, how: str, negated: bool, ended: bool) -> Draft:
    text = f"Is {how} in {lang}" if how else does("speak", lang, negated=negated, ended=ended)
    return Draft(text, f"speaks:{lang.lower()}", ("personal_details",))


def _prog(lang: str) -> str:
    special = {"javascript": "JavaScript", "typescript": "TypeScript", "php": "PHP", "sql": "SQL"}
    return special.get(lang, lang.upper() if len(lang) <= 2 else lang.capitalize())


_DEVICE = alternation(DEVICES)
_OWN = re.compile(
    rf"I (?P<verb>own|have|bought|got) (?P<v>(?:a|an|two|three) (?:[\w-]+ ){{0,2}}?(?:{_DEVICE}))"
    r"(?P<pl>s)?(?P<where> in (?-i:[A-Z])[\w.' -]{1,30})?",
    re.I,
)
_USE = re.compile(r"I (?:am )?(?P<neg>do not )?(?:use|using) (?P<v>.+)", re.I)


def possession(c: Clause) -> list[Draft]:
    if not (m := _OWN.fullmatch(c.text)):
        return []
    thing = m["v"] + (m["pl"] or "")
    verb = {"own": "Owns", "have": "Has", "bought": "Bought", "got": "Got"}[m["verb"].lower()]
    head = re.sub(r"^(?:a|an|two|three) (?:(?:new|used|second-hand|old) )?", "", thing, flags=re.I)
    return [Draft(f"{verb} {thing}{m['where'] or ''}", f"owns:{key(head)}", ())]


def tool(c: Clause) -> list[Draft]:
    """ "I use Linux", "I use a Mac": named tools only, so "I use it daily" stays out."""
    if not (m := _USE.fullmatch(c.text)):
        return []
    used = tidy(re.split(r"\s+(?:for|at|to|because)\b", m["v"], maxsplit=1)[0], max_words=4)
    bare = re.sub(r"^(?:a|an) ", "", used)
    if not used or not (bare[:1].isupper() or bare.lower() in TECH_WORDS):
        return []
    text = does("use", used, negated=bool(m["neg"]), ended=c.ended)
    return [Draft(text, f"uses:{key(bare)}", ("technology",))]
