"""Offline extraction rules about how the user lives: diet, health, tastes, plans, pastimes, things.

Functions the English table names (memories/data/extraction_en.json), same contract as
offline_rules: one canonical clause in, drafts out, [] to pass.
"""

from __future__ import annotations

import re

from memories.extraction.offline_text import Clause, Draft, does, is_, items, key, tidy
from memories.extraction.offline_vocab import (
    ALLERGEN_PLURALS,
    CONDITIONS,
    DIET_PLANS,
    DIETS,
    NOT_ALLERGENS,
    VAGUE_OBJECTS,
    alternation,
)

FOOD, HEALTH, PREFS = ("food",), ("health",), ("user_preferences",)

# -- diet ------------------------------------------------------------------------------------

_DIET = alternation(DIETS)
_IS_DIET = re.compile(
    rf"I am (?P<neg>not )?(?:a |an )?(?:strictly |fully |now )?(?P<q>mostly |mainly |partly )?"
    rf"(?P<d>{_DIET})(?: and (?P<d2>{_DIET}))?(?: diet)?(?: (?:for|since) .+)?",
    re.I,
)
_ON_DIET = re.compile(
    rf"I (?:am (?P<neg>not )?(?:on|following|doing)|(?P<neg2>do not )?(?:follow|eat)) "
    rf"(?:a |the )?(?P<d>{_DIET})(?: diet| food)?(?: (?:for|since) .+)?",
    re.I,
)
_WENT = re.compile(rf"I (?:went|became|turned|am going|switched to) (?P<d>{_DIET})(?: .+)?", re.I)


def diet(c: Clause) -> list[Draft]:
    if m := _IS_DIET.fullmatch(c.text) or _ON_DIET.fullmatch(c.text):
        groups = m.groupdict()
        negated = bool(groups["neg"] or groups.get("neg2"))
        words = [w for w in (m["d"], groups.get("d2")) if w]  # "vegan and gluten-free"
        return [_diet(w, negated, c.ended, (groups.get("q") or "").lower()) for w in words]
    if m := _WENT.fullmatch(c.text):
        return [_diet(m["d"], False, False, "")]
    return []


def _diet(word: str, negated: bool, ended: bool, qualifier: str) -> Draft:
    word = word.lower().replace(" ", "-") if word.lower() != "raw vegan" else "raw vegan"
    subject = DIETS.get(word, DIETS.get(word.replace("-", " "), "diet"))
    if word in DIET_PLANS or word.replace("-", " ") in DIET_PLANS:
        label = "Mediterranean" if word == "mediterranean" else word
        return Draft(does("follow", f"a {label} diet", negated=negated, ended=ended), subject, FOOD)
    if word in {"halal", "kosher"}:
        return Draft(does("eat", word, negated=negated, ended=ended), subject, FOOD)
    return Draft(is_(f"{qualifier}{word}", negated=negated, ended=ended), subject, FOOD)


# -- allergies, conditions, habits -----------------------------------------------------------

_ALLERGIC = re.compile(
    r"I am (?P<neg>not )?(?:severely |very |mildly |deathly |super |extremely )?"
    r"allergic to (?P<a>.+)|"
    r"(?:I have (?P<neg2>no )?(?:a |an )?(?:severe |mild |bad )?)?(?!I )"
    r"(?P<b>[\w -]{2,30}?) allerg(?:y|ies)|"
    r"I have (?:a |an )?(?:severe |mild )?allerg(?:y|ies) to (?P<c>.+)|allergic to (?P<d>.+)",
    re.I,
)
_CONDITION = re.compile(
    rf"I (?P<neg>do not )?(?P<verb>have|suffer from|live with|struggle with|was diagnosed with|"
    rf"got diagnosed with|am diagnosed with) (?P<c>{alternation(CONDITIONS)})",
    re.I,
)
_HABIT = re.compile(
    r"I (?P<neg>do not )?(?P<v>smoke|vape|drink alcohol|drink)(?: at all| much| often)?|"
    r"I (?:quit|stopped|gave up) (?P<q>smoking|drinking|vaping|alcohol|caffeine|coffee|sugar)",
    re.I,
)
_HABIT_KEYS = {"drink": "drinking", "alcohol": "drinking", "caffeine": "coffee", "smoke": "smoking"}


def allergy(c: Clause) -> list[Draft]:
    if m := _ALLERGIC.fullmatch(c.text):
        negated = bool(m["neg"] or m["neg2"])
        return _allergies(m["a"] or m["b"] or m["c"] or m["d"], negated, c.ended)
    return []


def condition(c: Clause) -> list[Draft]:
    if not (m := _CONDITION.fullmatch(c.text)):
        return []
    name, verb = _as_said(m["c"]), m["verb"].lower()
    if m["neg"]:
        text = does("have", name, negated=True, ended=c.ended)
    else:
        text = f"Was diagnosed with {name}" if "diagnosed" in verb else f"Has {name}"
    return [Draft(text, f"condition:{key(name)}", HEALTH)]


def _as_said(phrase: str) -> str:
    """Lowercase, except acronyms as typed: "ADHD", "type 2 diabetes"."""
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in phrase.split())


def _allergies(raw: str, negated: bool, ended: bool) -> list[Draft]:
    drafts = []
    for item in items(tidy(raw, max_words=8)):
        allergen = item.lower()
        allergen = ALLERGEN_PLURALS.get(allergen, allergen)
        valid = re.fullmatch(r"[a-z][a-z' -]{1,25}", allergen) and len(allergen.split()) <= 3
        if not valid or allergen.split()[0] in NOT_ALLERGENS:
            return []
        text = (
            is_(f"allergic to {allergen}", negated=True, ended=ended)
            if negated
            else (f"Allergic to {allergen}")
        )
        drafts.append(Draft(text, f"allergy:{allergen}", HEALTH))
    return drafts


def habit(c: Clause) -> list[Draft]:
    if not (m := _HABIT.fullmatch(c.text)):
        return []
    if m["q"]:
        habit = _HABIT_KEYS.get(m["q"].lower(), m["q"].lower())
        return [Draft(f"Quit {m['q'].lower()}", f"habit:{habit}", HEALTH)]
    verb = m["v"].lower()
    habit = _HABIT_KEYS.get(verb.split()[0], verb.split()[0] + "ing")
    first, _, rest = verb.partition(" ")
    text = does(first, rest, negated=bool(m["neg"]), ended=c.ended).strip()
    return [Draft(text, f"habit:{habit}", HEALTH)]


# -- likes, dislikes, favourites -------------------------------------------------------------

_FAVOURITE = re.compile(
    r"my (?:all[- ]time |absolute )?(?:favou?rite|fav|fave) (?P<t>[\w' -]{1,30}?) "
    r"(?P<verb>is|are|has to be|would be) (?P<v>.+)|"
    r"(?P<v2>[^,]{1,40}?) (?P<verb2>is|are) my (?:all[- ]time |absolute )?(?:favou?rite|fav|fave) "
    r"(?P<t2>.+)",
    re.I,
)
_LIKE = re.compile(
    r"I (?P<neg>do not )?(?P<verb>like|love|enjoy|adore|dig|prefer|am into|"
    r"am (?:a )?(?:big |huge |massive )?fan of|am obsessed with|am passionate about|"
    r"am crazy about|am fond of|am keen on|am interested in) (?P<o>.+)",
    re.I,
)
_NOT_LIKE = re.compile(
    r"I am not (?P<verb>into|(?:a )?(?:big |huge )?fan of|interested in|keen on|fond of) (?P<o>.+)",
    re.I,
)
_DISLIKE = re.compile(
    r"I (?P<verb>hate|dislike|detest|loathe|despise|cannot stand|cannot bear|do not care for|"
    r"can not stand) (?P<o>.+)",
    re.I,
)
_VERB_TEXT = {
    "like": "Likes", "love": "Loves", "adore": "Loves", "enjoy": "Enjoys", "dig": "Likes",
    "prefer": "Prefers",
}  # fmt: skip


def favourite(c: Clause) -> list[Draft]:
    if not (m := _FAVOURITE.fullmatch(c.text)):
        return []
    thing, value = tidy(m["t"] or m["t2"], max_words=3), tidy(m["v"] or m["v2"], max_words=6)
    verb = "are" if (m["verb"] or m["verb2"]).lower() == "are" else "is"
    if not thing or not value or thing.split()[-1].lower() in VAGUE_OBJECTS:
        return []
    return [Draft(f"Favourite {thing.lower()} {verb} {value}", f"favorite:{key(thing)}", PREFS)]


def dislike(c: Clause) -> list[Draft]:
    if m := _NOT_LIKE.fullmatch(c.text):
        obj = _object(m["o"])
        text = is_(f"{m['verb'].lower()} {obj}", negated=True, ended=c.ended)
    elif m := _DISLIKE.fullmatch(c.text):
        obj = _object(m["o"])
        hates = m["verb"].lower() in {"hate", "detest", "loathe", "despise"}
        text = f"{'Hates' if hates else 'Dislikes'} {obj}"
    else:
        return []
    return [Draft(text, f"preference:{key(obj)}", PREFS)] if obj else []


def like(c: Clause) -> list[Draft]:
    if not (m := _LIKE.fullmatch(c.text)):
        return []
    obj, verb = _object(m["o"]), m["verb"].lower()
    listed = items(obj) if "," in obj else []
    if len(listed) > 2 and not m["neg"]:  # "sushi, ramen and pizza": one fact each
        return [d for item in listed for d in _likes_one(item, verb, False, c)]
    return _likes_one(obj, verb, bool(m["neg"]), c)


def _likes_one(obj: str, verb: str, negated: bool, c: Clause) -> list[Draft]:
    if not obj or (verb == "prefer" and obj.lower().startswith("to be called")):
        return []
    if negated:
        text = (
            f"No longer {_VERB_TEXT.get(verb, 'Likes').lower()} {obj}"
            if c.ended
            else f"Dislikes {obj}"
        )
    elif verb.startswith("am "):
        text = f"Is {verb[3:]} {obj}"
    else:
        text = f"{_VERB_TEXT[verb]} {obj}"
    subject_obj = re.split(r"\s+(?:over|rather than|instead of)\b", re.sub(r"^to ", "", obj))[0]
    return [Draft(text, f"preference:{key(subject_obj)}", PREFS)]


_CHATTER = re.compile(r"to (?:ask|say|admit|bother|interrupt|tell|be|break|complain)\b", re.I)


def _object(raw: str) -> str:
    """What is liked: "sushi", "going to the beach"; "" for "it", "your idea", "to ask"."""
    obj = tidy(re.sub(r"\s+(?:in|during) my (?:free|spare) time\b", "", raw), max_words=6)
    if not obj or obj.split()[-1].lower() in VAGUE_OBJECTS or _CHATTER.match(obj):
        return ""
    return obj
