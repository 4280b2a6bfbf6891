"""Word lists for the offline extractor's English rules, and its time and date phrases.

The lists are data (the "words" of memories/data/extraction_en.json): a rule like "I am a <job>"
only fires when the last word is a known job, so "I'm a night owl" is kept as said instead of
becoming "Is a night owl" under professional_details.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def alternation(words: frozenset[str] | set[str] | dict[str, str]) -> str:
    """A regex alternation, longest first so "type 2 diabetes" wins over "diabetes"."""
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s") for w in sorted(words, key=lambda w: (-len(w), w))
    )


_WORDS = json.loads((DATA_DIR / "extraction_en.json").read_text(encoding="utf-8"))["words"]

JOBS = frozenset(_WORDS["jobs"])
FIELDS = frozenset(_WORDS["fields"])
NATIONALITIES = frozenset(_WORDS["nationalities"])
LANGUAGES = frozenset(_WORDS["languages"])
PROGRAMMING = frozenset(_WORDS["programming"])
# "kitten" and "puppy" are remembered as the animal, so a later "my cat" updates the same fact.
PETS: dict[str, str] = _WORDS["pets"]
RELATIVES: dict[str, str] = _WORDS["relatives"]
CHILDREN = frozenset(_WORDS["children"])
CONDITIONS = frozenset(_WORDS["conditions"])
STATES = frozenset(_WORDS["states"])
ALLERGEN_PLURALS: dict[str, str] = _WORDS["allergen_plurals"]
DEVICES = frozenset(_WORDS["devices"])
# Verbs a plan can be made of ("I'm planning to learn Spanish"); "going to eat lunch" is chat.
PLAN_VERBS = frozenset(_WORDS["plan_verbs"])
ACTIVITIES = frozenset(_WORDS["activities"])  # what "I do ..." may be followed by
HOBBY_VERBS = frozenset(_WORDS["hobby_verbs"])  # intransitive: "I swim every morning"
# Diet word -> subject: vegan and vegetarian replace each other, while a keto plan or eating
# halal sits alongside either.
DIETS: dict[str, str] = _WORDS["diets"]
DIET_PLANS = frozenset(_WORDS["diet_plans"])
NOT_A_FOOD = frozenset(_WORDS["not_a_food"])  # "I can't eat it right now" is no diet
# Words before "allergy" that are not allergens: "seasonal allergies", "a bad allergy".
NOT_ALLERGENS = frozenset(_WORDS["not_allergens"])
VAGUE_OBJECTS = frozenset(_WORDS["vague_objects"])  # "I like your idea" likes nothing
# What follows "I work at/for" without being an employer: "I work at night", "for a living".
NOT_EMPLOYERS = frozenset(_WORDS["not_employers"])
TECH_WORDS = frozenset(_WORDS["tech_words"])  # lowercase names "I use ..." may name
# Capitalised words that follow "I am" without being a name.
NOT_NAMES = frozenset(_WORDS["not_names"])
# Lowercase words after "in" that are not places: "i live in fear" is no address.
NOT_PLACES = frozenset(_WORDS["not_places"])

_MONTH_NAMES = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
MONTHS = {name: name.capitalize() for name in _MONTH_NAMES}
MONTHS |= {name[:3]: name.capitalize() for name in _MONTH_NAMES if name != "may"}
MONTHS["sept"] = "September"
_MONTH = alternation(MONTHS)
_PERIOD = (
    r"spring|summer|autumn|fall|winter|weekend|week|month|year|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|christmas|easter|thanksgiving|new year'?s?|holidays?|"
    r"(?:19|20)\d\d"
)
TIME = re.compile(
    r"\b(?:(?:in|on|this|next|last|over|during|for|around|by|until|from|to|early|late|mid|the|later|"
    rf"end of|beginning of)\s+)*(?:(?:{_MONTH})\b(?:\s+\d{{1,2}}(?:st|nd|rd|th)?\b)?"
    rf"(?:,?\s+(?:19|20)\d\d)?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH})\b"
    rf"(?:\s+(?:19|20)\d\d)?|(?:{_PERIOD})\b|tomorrow|tonight|soon|today|later|"
    r"(?:a|one|two|three|four|five|six|a few|a couple of|\d+)\s+(?:days?|weeks?|months?|years?)"
    r"\b)(?:\s+(?:break|holidays|vacation|morning|afternoon|evening|night|ago))?",
    re.I,
)
DATE = re.compile(
    rf"(?:the\s+)?(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_MONTH})\b\.?"
    rf"(?:,?\s+(?P<y1>(?:19|20)\d\d))?|(?P<m2>{_MONTH})\b\.?\s+(?:the\s+)?(?P<d2>\d{{1,2}})"
    r"(?:st|nd|rd|th)?(?:,?\s+(?P<y2>(?:19|20)\d\d))?",
    re.I,
)


def date_text(text: str) -> str:
    """ "March 12th" / "the 12th of march, 1990" -> "12 March" / "12 March 1990"; else ""."""
    match = DATE.fullmatch(text.strip())
    if not match:
        return ""
    day = int(match["d1"] or match["d2"])
    month = MONTHS[(match["m1"] or match["m2"]).lower()]
    year = match["y1"] or match["y2"]
    if not 1 <= day <= 31:
        return ""
    return f"{day} {month}" + (f" {year}" if year else "")


def split_time(text: str) -> tuple[str, str]:
    """ "Japan in June" -> ("Japan", "in June"): the time phrase and what comes before it."""
    match = TIME.search(text)
    if not match:
        return text.strip(), ""
    end = match.end()
    while following := TIME.match(text, end + 1) if text[end : end + 1] == " " else None:
        end = following.end()  # "for two weeks in June": both phrases
    return text[: match.start()].strip(), text[match.start() : end].strip()
