"""The search playground's explanation of `memory_search` hits: pure functions, no queries.

Every number comes from the hit itself (fused score, dense and lexical components), so the
playground explains exactly what the v3 search API would have returned.
"""

from __future__ import annotations

from dataclasses import dataclass

from memories.models import ENTITY_FIELDS
from memories.selectors.search import DENSE_WEIGHT, LEXICAL_WEIGHT, SearchHit
from memories.text import content_words, is_cjk, stem


def matched_terms(query: str, text: str) -> list[str]:
    """The query's content words (and CJK terms) that occur in `text` up to a light stem, in
    query order: 烤鸭 is matched in 我喜欢吃北京烤鸭, as the index matches it. Overlapping CJK
    bigrams matched one after the other read as the run they came from (北京烤鸭, not 北京,
    京烤, 烤鸭)."""
    stems = {stem(word) for word in content_words(text)}
    terms: list[str] = []
    previous = None
    for word in content_words(query):
        if stem(word) not in stems:
            previous = None
            continue
        if previous is not None and _overlapping_bigrams(previous, word):
            terms[-1] += word[1:]
        else:
            terms.append(word)
        previous = word
    return terms


def _overlapping_bigrams(first: str, second: str) -> bool:
    return len(first) == len(second) == 2 and first[1] == second[0] and is_cjk(first + second)


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


def threshold_split(hits: list[SearchHit], *, threshold: float) -> tuple[list[SearchHit], int]:
    """(the hits scoring at least `threshold`, how many of the others there are), from the
    `top_k` hits of a search at threshold 0. memory_search filters by threshold and then keeps
    the `top_k` best; its hits are sorted by score, so those at or above any threshold are a
    prefix, and this split gives exactly what a search at `threshold` returns."""
    shown = [hit for hit in hits if hit.score >= threshold]
    return shown, len(hits) - len(shown)


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
