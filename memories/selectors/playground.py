"""The search playground's explanation of `memory_search` hits: pure functions, no queries.

Every number comes from the hit itself (fused score, dense and lexical components), so the
playground explains exactly what the v3 search API would have returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from memories.models import ENTITY_FIELDS
from memories.selectors.search import DENSE_WEIGHT, LEXICAL_WEIGHT, SearchHit

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
# A short English stop-word list: the words PostgreSQL's "english" config also drops.
_STOP_WORD_TEXT = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
"""
STOP_WORDS = frozenset(_STOP_WORD_TEXT.split())
_SUFFIXES = ("'s", "ies", "ing", "ed", "es", "s")


def _stem(word: str) -> str:
    """Crude stemming, just enough that "hiking" meets "hike" and "dogs" meets "dog"."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return word.removesuffix("e") if len(word) > 3 else word


def content_words(text: str) -> list[str]:
    """The lowercased words of `text` minus stop words, in order, without repeats."""
    words = (w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS)
    return list(dict.fromkeys(words))


def matched_terms(query: str, text: str) -> list[str]:
    """The query's content words that occur in `text` (up to a crude stem), in query order."""
    stems = {_stem(word) for word in content_words(text)}
    return [word for word in content_words(query) if _stem(word) in stems]


@dataclass
class PlaygroundRow:
    """One hit as the playground shows it: rank, entity, scores and why it ranked."""

    rank: int
    hit: SearchHit
    entity_type: str | None
    entity_name: str | None
    terms: list[str]
    dominant: str  # "dense" or "lexical"
    dense_rank: int
    lexical_rank: int | None  # None: the full-text search did not match it

    @property
    def memory(self):
        return self.hit.memory

    @property
    def percents(self) -> dict[str, int]:
        hit = self.hit
        return {
            name: round(max(0.0, min(value, 1.0)) * 100)
            for name, value in (
                ("score", hit.score),
                ("dense", hit.dense),
                ("lexical", hit.lexical),
            )
        }


def entity_of(memory) -> tuple[str | None, str | None]:
    """(type, name) of the first entity ID the memory carries: user, agent, app, then run."""
    for entity_type, field in ENTITY_FIELDS.items():
        value = getattr(memory, field)
        if value:
            return str(entity_type.value), value
    return None, None


def _ranks(values: list[float]) -> list[int]:
    order = sorted(range(len(values)), key=lambda i: -values[i])
    ranks = [0] * len(values)
    for position, index in enumerate(order, start=1):
        ranks[index] = position
    return ranks


def playground_rows(*, hits: list[SearchHit], query: str) -> list[PlaygroundRow]:
    """Explain `hits` (best first): the component whose weighted share of the fused score is
    larger dominates; component ranks are positions among these hits, by that component."""
    dense_ranks = _ranks([hit.dense for hit in hits])
    lexical_ranks = _ranks([hit.lexical for hit in hits])
    rows = []
    for i, hit in enumerate(hits):
        entity_type, entity_name = entity_of(hit.memory)
        lexical_won = LEXICAL_WEIGHT * hit.lexical > DENSE_WEIGHT * hit.dense
        rows.append(
            PlaygroundRow(
                rank=i + 1,
                hit=hit,
                entity_type=entity_type,
                entity_name=entity_name,
                terms=matched_terms(query, hit.memory.text),
                dominant="lexical" if lexical_won else "dense",
                dense_rank=dense_ranks[i],
                lexical_rank=lexical_ranks[i] if hit.lexical > 0 else None,
            )
        )
    return rows
