"""Categories and filters for the offline extractor.

A fact's categories come from its rule (a diet rule says "food") plus keywords in its text
("Plays tennis" is sports), mapped onto the list in use: default names directly, custom ones by
the words of their name and description. `includes`, `excludes` and the simple forms of
`custom_instructions` become filters over the same words.

custom_instructions forms understood (one per sentence, case-insensitive, anything else is
ignored): "Only extract|store|remember|keep|include|track X", "Extract|Store ... only X",
"Focus (only) on X" -> keep only facts about X; "Do not / Don't / Never extract|store|
remember|save|include|track X", "Exclude|Ignore|Skip|Avoid|Omit X", "No X" -> drop facts about X.
X is read word by word: a default category name or a synonym ("medical" -> health, "job" ->
professional_details) selects that category, and any other word must appear in the fact.

Words are compared through memories/text.py, so Chinese, Japanese and Korean names and
descriptions match a fact by shared character bigrams ({"饮食": "食物、饮食偏好、过敏"} takes
"对奶酪过敏" by 过敏).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from memories.text import STOP_WORDS, stem, words

DEFAULT_CATEGORIES: list[dict[str, str]] = [
    {"personal_details": "Name, age, where they live or come from, languages spoken"},
    {"family": "Family members, partners, children, relationships and pets"},
    {"professional_details": "Job, employer, role, career, skills and education"},
    {"sports": "Sports played or followed, teams, athletes and fitness activities"},
    {"travel": "Trips, destinations, travel plans and places visited"},
    {"food": "Food and drink preferences, diets and dietary restrictions, cuisines"},
    {"music": "Music tastes, genres, artists, bands and instruments"},
    {"health": "Health conditions, allergies, medications, fitness and wellbeing"},
    {"technology": "Devices, software, programming languages and tech preferences"},
    {"hobbies": "Hobbies, pastimes, interests and things being learned"},
    {"fashion": "Clothing, style, brands and fashion preferences"},
    {"entertainment": "Movies, TV shows, books, games, podcasts and other media"},
    {"milestones": "Life events and dates: birthdays, anniversaries, weddings, graduations"},
    {"user_preferences": "General likes, dislikes, favourites and preferences"},
    {"misc": "Anything that does not fit another category"},
]

_KEYWORDS: dict[str, str] = {
    "personal_details": "age birthday born residence nationality pronouns hometown speaks "
    "native fluent",
    "family": "wife husband partner girlfriend boyfriend spouse kid kids children child son "
    "daughter baby mom mum mother dad father parent parents brother sister sibling siblings "
    "grandma grandmother grandpa grandfather aunt uncle cousin niece nephew family married "
    "engaged divorced wedding fiance fiancee twins pregnant expecting",
    "professional_details": "work works job career employer company office colleague boss "
    "manager engineer developer nurse teacher doctor lawyer designer accountant consultant "
    "freelancer freelance startup business promoted promotion salary retired unemployed "
    "self-employed intern internship ceo founder founded student university college degree "
    "phd master's mba graduated studies school laid fired employed occupation industry",
    "sports": "sport sports tennis football soccer basketball baseball golf running "
    "marathon marathons swimming swim swims cycling cycle yoga pilates crossfit gym workout "
    "climbing bouldering skiing ski skis snowboarding surfing surf surfs boxing karate judo "
    "volleyball rugby cricket hockey badminton squash triathlon triathlons weightlifting "
    "fitness hiking hike hikes jogging jog martial arts team",
    "travel": "travel trip trips visit visited vacation holiday flight flying abroad hotel "
    "backpacking cruise tour honeymoon safari",
    "food": "food foods eat eats eating cook cooks cooking bake bakes baking restaurant cuisine "
    "sushi pizza pasta ramen vegetarian vegan pescatarian keto paleo gluten-free halal kosher "
    "diet meat chicken beef pork cheese chocolate coffee tea wine beer cilantro coriander spicy "
    "dessert breakfast lunch dinner burger burgers tacos curry salad fruit vegetables peanuts "
    "nuts shellfish dairy eggs bread rice noodles cake steak seafood avocado mushrooms olives "
    "garlic tofu recipes kitchen dairy-free plant-based lactose gluten sugar carbs",
    "music": "music band bands song songs album albums jazz rock pop hip-hop rap blues "
    "classical metal punk techno edm k-pop guitar piano violin drums bass cello saxophone "
    "flute ukulele sing sings singing choir concert concerts playlist playlists opera orchestra "
    "musician dj vinyl records",
    "health": "health allergic allergy allergies asthma diabetes diabetic intolerant "
    "intolerance celiac migraines anxiety depression adhd autism arthritis pregnant pregnancy "
    "medication therapy blood pressure cholesterol insomnia injury surgery smoking smoke "
    "smokes drinking sober alcohol condition diagnosed disease weight sleep vape vaping "
    "caffeine pounds kg lbs",
    "technology": "technology tech computer laptop phone iphone android mac macbook linux "
    "windows python javascript typescript rust java golang programming coding codes code "
    "software app apps ai gadgets tesla ps5 xbox vim emacs github docker ipad kindle pc "
    "smartwatch electric ev",
    "hobbies": "hobby hobbies knitting knits painting paints drawing draws photography "
    "gardening gardens reading reads books chess crochet woodworking collecting collects "
    "stamps lego puzzles fishing camping birdwatching pottery sewing writing poetry learning "
    "lessons meditation meditates dancing dances learn",
    "fashion": "fashion clothes clothing dress dresses shoes sneakers jeans style outfit "
    "outfits jewelry jewellery handbag makeup wear wears",
    "entertainment": "movie movies film films tv show shows series netflix anime manga "
    "book books novel novels video games gaming podcast podcasts comedy theater theatre horror "
    "sci-fi marvel youtube documentaries cinema actor actress watches",
    "milestones": "birthday anniversary wedding graduated graduating graduation born retired "
    "retiring promoted promotion pregnant baby turning",
    "user_preferences": "prefers prefer likes loves enjoys dislikes hates favourite favorite "
    "fan preference interested into",
}
# A keyword that words() cuts in two ("hip-hop", "master's") is matched as two adjacent words.
KEYWORDS = {
    name: frozenset(" ".join(words(keyword)) for keyword in text.split())
    for name, text in _KEYWORDS.items()
}
NAMES = tuple(name for item in DEFAULT_CATEGORIES for name in item)
# Words people use for a category, in instructions, filters and queries ("no medical info").
_CATEGORY_WORDS = json.loads(
    (Path(__file__).resolve().parent.parent / "data" / "category_words.json").read_text("utf-8")
)
SYNONYMS = {word: name for name, words in _CATEGORY_WORDS["en"].items() for word in words.split()}
# Words of instructions and category descriptions that name no topic, besides the stop words.
_FILLER_TEXT = """
    anything etc anymore please never like user users information info details data facts fact
    memories memory things stuff related regarding concerning topics topic extract store
    remember keep save include track
"""
_FILLER = frozenset(_FILLER_TEXT.split())
_IGNORED = STOP_WORDS | _FILLER


def topics(text: str) -> set[str]:
    """Default categories whose keywords appear in a fact's text."""
    sequence = words(text)
    tokens = set(sequence) | {f"{a} {b}" for a, b in pairwise(sequence)}
    tokens |= {t.removesuffix("s") for t in tokens}
    found = {name for name, keywords in KEYWORDS.items() if tokens & keywords}
    lower = f" {text.lower()} "
    if " blood pressure " in lower or " high cholesterol " in lower:
        found.add("health")
    return found


_CHINESE_WORDS = {name: tuple(text.split()) for name, text in _CATEGORY_WORDS["zh"].items()}


def named_categories(query: str) -> frozenset[str]:
    """The default categories a query names: "what are my hobbies" hobbies, "饮食偏好" food and
    user_preferences, "技术栈" technology."""
    tokens = set(words(query))
    named = {name for name in NAMES if name in tokens} | {
        SYNONYMS[token] for token in tokens if token in SYNONYMS
    }
    named |= {name for name, said in _CHINESE_WORDS.items() if any(w in query for w in said)}
    return frozenset(named)


@dataclass(frozen=True)
class Category:
    name: str
    stems: frozenset[str]  # stems of its name and description words


def catalog(categories: list | None) -> list[Category]:
    """The categories in use: the caller's ({name: description} or bare names) or the defaults."""
    entries: list[tuple[str, str]] = []
    for item in categories if isinstance(categories, (list, tuple)) else []:
        if isinstance(item, dict):
            entries += [(str(k), str(v or "")) for k, v in item.items() if isinstance(k, str)]
        elif isinstance(item, str):
            entries.append((item, ""))
    entries = [(name.strip(), desc) for name, desc in entries if name.strip()]
    if not entries:
        entries = [next(iter(item.items())) for item in DEFAULT_CATEGORIES]
    seen: dict[str, Category] = {}
    for name, description in entries:
        stems = frozenset(stem(w) for w in words(f"{name} {description}") if w not in _IGNORED)
        seen.setdefault(name, Category(name, stems))
    return list(seen.values())


def assign(text: str, subject: str, base: tuple[str, ...], cats: list[Category]) -> tuple[str, ...]:
    """The fact's categories from the list in use, in that list's order; never empty."""
    defaults = set(base) | topics(text)
    fact_stems = {stem(w) for w in words(f"{text} {subject}")}
    fact_stems |= {stem(w) for name in defaults for w in words(name)}
    fact_stems |= {stem(s) for s, name in SYNONYMS.items() if name in defaults}
    chosen = [
        c.name for c in cats if c.name in defaults or (c.name not in NAMES and c.stems & fact_stems)
    ]
    if chosen:
        return tuple(chosen)
    names = [c.name for c in cats]
    return ("misc",) if "misc" in names else (names[0],)


# -- filters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """Matches a fact when it is in one of `categories` or mentions one of `stems`."""

    categories: frozenset[str]
    stems: frozenset[str]

    def matches(self, text: str, assigned: tuple[str, ...], defaults: set[str]) -> bool:
        if self.categories & (set(assigned) | defaults):
            return True
        mentioned = {stem(w) for w in words(" ".join((text, *assigned)))}
        return bool(self.stems & mentioned)


def word_filter(text: str | None) -> Filter | None:
    """`includes` / `excludes`: comma or space separated words; None when there are none."""
    tokens = [w for w in words(text or "") if w not in _IGNORED]
    if not tokens:
        return None
    categories = {w for w in tokens if w in NAMES} | {SYNONYMS[w] for w in tokens if w in SYNONYMS}
    return Filter(frozenset(categories), frozenset(stem(w) for w in tokens))


_VERBS = r"(?:extract|store|save|remember|keep|include|track|capture|record|collect|memori[sz]e)"
_INCLUDE = (
    re.compile(
        rf"^(?:please )?(?:only|just|exclusively) {_VERBS}\s+(?:(?:facts|info\w*) )?"
        r"(?:about |on )?(?P<w>.+)"
    ),
    re.compile(rf"^{_VERBS} only\s+(?P<w>.+)"),
    re.compile(r"^(?:please )?focus (?:only |just )?on\s+(?P<w>.+)"),
)
_EXCLUDE = (
    re.compile(
        rf"^(?:please )?(?:do not|don't|dont|never|avoid|stop) (?:ever )?{_VERBS}\s+(?P<w>.+)"
    ),
    re.compile(r"^(?:please )?(?:exclude|ignore|skip|avoid|omit|drop|forget about)\s+(?P<w>.+)"),
    re.compile(r"^no\s+(?P<w>.+)"),
)
_MODIFIERS = {"preferences", "preference"}  # "food preferences" is about food, not all tastes


def instruction_filters(text: str | None) -> tuple[Filter | None, Filter | None]:
    """(keep only, drop) filters from the simple forms of custom_instructions."""
    include: list[str] = []
    exclude: list[str] = []
    for sentence in re.split(r"[.;!\n]+", (text or "").lower()):
        sentence = sentence.strip()
        for patterns, target in ((_INCLUDE, include), (_EXCLUDE, exclude)):
            if match := next((m for p in patterns if (m := p.match(sentence))), None):
                target.extend(_topic_words(match["w"]))
                break
    return word_filter(" ".join(include)), word_filter(" ".join(exclude))


def _topic_words(text: str) -> list[str]:
    tokens = [w for w in words(text) if w not in _IGNORED]
    topical = [w for w in tokens if w not in _MODIFIERS]
    return topical or tokens
