"""Offline extraction rules about the user's people and animals: partner, children, family, pets.

Functions the English table names (memories/data/extraction_en.json), same contract as
offline_rules: one canonical clause in, drafts out, [] to pass.
"""

from __future__ import annotations

import re

from memories.extraction.offline_text import (
    NAME_WORD,
    Clause,
    Draft,
    article,
    does,
    is_,
    items,
    person_name,
    place_name,
    tidy,
)
from memories.extraction.offline_vocab import (
    CHILDREN,
    JOBS,
    PETS,
    RELATIVES,
    alternation,
    split_time,
)

FAMILY = ("family",)
_NAME = rf"{NAME_WORD}(?: {NAME_WORD}){{0,2}}"
_CAPITALISED = r"(?-i:[A-Z][\w'-]*(?: [A-Z][\w'-]*)?)"  # "to Maria in June": just "Maria"
_ROLE = rf"(?:a|an) (?:[\w-]+ ){{0,3}}?(?:{alternation(JOBS)})"

# -- partner and children --------------------------------------------------------------------

_REL = alternation(RELATIVES)
_PET = alternation(PETS)
_COUNT = r"a|an|one|two|three|four|five|six|seven|\d"
_STATUS_REL = re.compile(
    r"I am (?P<neg>not )?(?P<v>married|single|divorced|engaged|widowed|separated|"
    r"in a relationship)(?: to (?P<who>.+?))?(?: (?:for|since) .+)?|"
    rf"I got (?P<got>married|engaged|divorced)(?: to (?P<to>{_CAPITALISED}))?"
    r"(?: (?:last|this|in|on) .+)?",
    re.I,
)
_WEDDING = re.compile(rf"I am getting married(?: to (?P<who>{_CAPITALISED}))?(?P<when> .+)?", re.I)
_HAVE_REL = re.compile(
    rf"I (?P<neg>do not )?have (?:(?P<n>{_COUNT}|any) )?(?P<adj>(?:little|younger|older|big|"
    r"baby|twin|teenage|adult|grown-up|grown|step|half|wonderful|beautiful|amazing) )?"
    r"(?P<rel>kids?|children|child|sons?|daughters?|brothers?|sisters?|siblings?|grandkids|"
    r"grandchildren|twins|stepkids|stepsons?|stepdaughters?)"
    rf"(?:,? (?:named|called) (?P<name>{_NAME}))?",
    re.I,
)
_NO_KIDS = re.compile(r"I have no (?P<v>kids|children|siblings|pets)", re.I)
_PARENT = re.compile(
    r"I am (?:a|an) (?P<v>(?:single |new |first-time |proud |stay-at-home )?(?:mom|mum|mother|dad|"
    r"father|parent|grandmother|grandma|grandfather|grandpa|stepmom|stepdad))(?: of (?P<n>\w+))?",
    re.I,
)
_BABY = re.compile(
    r"I am (?:expecting|having) (?P<v>a baby|twins|a boy|a girl)(?P<when> .+)?|I am expecting", re.I
)
_REL_NAME = re.compile(
    rf"my (?P<rel>{_REL})(?:'s name| name) is (?P<name>{_NAME})|"
    rf"my (?P<rel2>{_REL}) is (?:called|named) (?P<name2>{_NAME})",
    re.I,
)
_REL_INLINE = re.compile(rf"\b[Mm]y (?P<rel>{_REL}),? (?P<name>[A-Z][a-z'-]+)\b")
_REL_FACT = re.compile(
    rf"my (?P<rel>{_REL}) (?:is|works as) (?P<role>{_ROLE})|"
    rf"my (?P<rel2>{_REL}|parents|grandparents|in-laws) lives? in (?P<place>.+)|"
    rf"my (?P<rel3>{_REL}) is (?P<age>\d{{1,2}})(?: years old)?",
    re.I,
)


def partner(c: Clause) -> list[Draft]:
    if m := _STATUS_REL.fullmatch(c.text):
        who = person_name(m["who"] or m["to"] or "", c)
        if (m["who"] or m["to"]) and not who:
            return []  # "married to my job"
        if m["got"]:  # "got engaged" is an event as well as a status
            text, cats = f"Got {m['got'].lower()}", (*FAMILY, "milestones")
        else:
            text, cats = is_(m["v"].lower(), negated=bool(m["neg"]), ended=c.ended), FAMILY
        return [Draft(text + (f" to {who}" if who else ""), "relationship_status", cats)]
    if m := _WEDDING.fullmatch(c.text):
        who, (_, when) = person_name(m["who"] or "", c), split_time(m["when"] or "")
        text = "Is getting married" + (f" to {who}" if who else "") + (f" {when}" if when else "")
        return [Draft(text, "wedding", (*FAMILY, "milestones"))]
    return []


def children(c: Clause) -> list[Draft]:
    if m := _HAVE_REL.fullmatch(c.text):
        return _have_relatives(m, c)
    if m := _NO_KIDS.fullmatch(c.text):
        return [Draft(f"Does not have {m['v'].lower()}", f"family:{_family_key(m['v'])}", FAMILY)]
    if m := _PARENT.fullmatch(c.text):
        text = f"Is {article(m['v'])} {m['v'].lower()}" + (f" of {m['n']}" if m["n"] else "")
        return [Draft(text, "family:children", FAMILY)]
    if m := _BABY.fullmatch(c.text):
        _, when = split_time(m["when"] or "")
        text = f"Is expecting {(m['v'] or 'a baby').lower()}" + (f" {when}" if when else "")
        return [Draft(text, "family:baby", (*FAMILY, "milestones"))]
    return []


def _family_key(word: str) -> str:
    lower = word.lower()
    if lower.startswith(("kid", "child", "son", "daughter", "grand", "twin", "step")):
        return "children"
    return "pets" if lower == "pets" else "siblings"


def _have_relatives(m: re.Match, c: Clause) -> list[Draft]:
    count, rel = (m["n"] or "").lower(), m["rel"].lower()
    if count == "any":
        count = ""
    if not m["neg"] and not count:
        return []
    phrase = " ".join(x for x in (count, (m["adj"] or "").strip().lower(), rel) if x)
    name = person_name(m["name"] or "", c)
    if m["neg"]:
        text = does("have", rel, negated=True, ended=c.ended)
    else:
        text = f"Has {phrase}" + (f" named {name}" if name else "")
    singular = rel.rstrip("s") if rel not in {"children", "grandchildren"} else "children"
    subject = f"family:{singular}" if count in {"a", "an", "one"} else f"family:{_family_key(rel)}"
    return [Draft(text, subject + (f":{name.lower()}" if name else ""), FAMILY)]


def relatives(c: Clause) -> list[Draft]:
    if m := _REL_NAME.fullmatch(c.text):
        return _named(m["rel"] or m["rel2"], m["name"] or m["name2"], c)
    if m := _REL_FACT.fullmatch(c.text):
        rel = m["rel"] or m["rel2"] or m["rel3"]
        label, base = rel.capitalize(), f"family:{RELATIVES.get(rel.lower(), rel.lower())}"
        if m["role"]:
            return [Draft(f"{label} is {m['role'].lower()}", f"{base}:occupation", FAMILY)]
        if place := place_name(m["place"] or "", c):
            verb = "live" if rel.lower().endswith("s") else "lives"
            return [Draft(f"{label} {verb} in {place}", f"{base}:residence", FAMILY)]
        if m["age"]:
            return [Draft(f"{label} is {int(m['age'])} years old", f"{base}:age", FAMILY)]
    drafts = []
    for m in _REL_INLINE.finditer(c.text):
        drafts += _named(m["rel"], m["name"], c)
    return drafts


def _named(rel: str, raw_name: str, c: Clause) -> list[Draft]:
    name, kind = person_name(raw_name, c), RELATIVES[rel.lower()]
    if not name:
        return []
    if kind in CHILDREN:
        subject = f"family:{kind}:{name.lower()}"
        return [Draft(f"Has {article(kind)} {kind} named {name}", subject, FAMILY)]
    return [Draft(f"{rel.capitalize()}'s name is {name}", f"family:{kind}", FAMILY)]


_HAVE_PET = re.compile(
    rf"I (?P<neg>do not )?(?P<verb>have|got|adopted|rescued|own) (?P<n>{_COUNT}|any) "
    rf"(?P<adj>(?:[\w-]+ ){{0,2}}?)(?P<pet>{_PET})(?P<pl>s|es)?"
    rf"(?:,? (?:named|called) (?P<name>{NAME_WORD}(?:(?:,| and) {NAME_WORD}){{0,3}}))?",
    re.I,
)
_PET_NAME = re.compile(
    rf"my (?P<pet>{_PET})(?:'s name| name) is (?P<name>{_NAME})|"
    rf"my (?P<pet2>{_PET}) is (?:called|named) (?P<name2>{_NAME})",
    re.I,
)
_PET_INLINE = re.compile(rf"\b[Mm]y (?P<pet>{_PET}),? (?P<name>[A-Z][a-z'-]+)\b")
_PET_GONE = re.compile(
    rf"my (?P<pet>{_PET}) (?:died|passed away|passed|ran away|was put down|is gone)|"
    rf"I (?:lost|had to put down|gave away|rehomed) my (?P<pet2>{_PET})",
    re.I,
)


def pets(c: Clause) -> list[Draft]:
    if m := _HAVE_PET.fullmatch(c.text):
        return _have_pet(m, c)
    if m := _PET_NAME.fullmatch(c.text) or _PET_INLINE.search(c.text):
        pet, name = m["pet"] or m["pet2"], person_name(m["name"] or m["name2"], c)
        return [_pet_named(pet, name)] if name else []
    if m := _PET_GONE.fullmatch(c.text):
        pet = (m["pet"] or m["pet2"]).lower()
        kind = PETS[pet]
        return [Draft(f"No longer has {article(pet)} {pet}", f"pet:{kind}", FAMILY)]
    return []


def _pet_named(pet: str, name: str) -> Draft:
    return Draft(
        f"Has {article(pet)} {pet.lower()} named {name}", f"pet:{PETS[pet.lower()]}", FAMILY
    )


def _have_pet(m: re.Match, c: Clause) -> list[Draft]:
    pet, count = m["pet"].lower(), m["n"].lower()
    adjectives = (m["adj"] or "").strip()
    if tidy(adjectives or "x", max_words=2) == "" or (count == "any" and not m["neg"]):
        return []
    noun = pet + (m["pl"] or "")
    phrase = " ".join(x for x in (count if count != "any" else "", adjectives, noun) if x)
    if m["neg"]:
        text = does("have", f"{article(pet)} {pet}", negated=True, ended=c.ended)
    else:
        names = [person_name(n, c) for n in items(m["name"] or "")]
        named = " and ".join(names) if names and all(names) else ""
        text = f"Has {phrase}" + (f" named {named}" if named else "")
    return [Draft(text, f"pet:{PETS[pet]}", FAMILY)]
