"""`rerank=true`: a second, lexical-proximity stage over the first stage's best candidates.

No cross-encoder ships with Engram (its weights would be a download), so the second stage
re-scores at most RERANK_CANDIDATES hits with what BM25 cannot see: whether the query's words
sit together. It reads the positions PostgreSQL keeps in each candidate's tsvector (one query
on those primary keys, text positions only, the context left out) and adds to the candidate's
BM25 score a term-proximity score in the manner of BM25TP (Rasolofo & Savoy, 2003):

    proximity = sum over pairs of distinct query lexemes found in the text within
                PROXIMITY_WINDOW words of min(idf(a), idf(b)) / distance^2

so "New York" as two adjacent words adds the full IDF of the rarer word, and the same words a
sentence apart add almost nothing; and an exact phrase — every query lexeme at the same
offsets as in the query, stop words keeping their place ("bank of america") — adds
PHRASE_WEIGHT times the IDF of all of them, like one more matched term. The IDF is the lexical
stage's (the scope's own statistics).
The new lexical score is divided by the best candidate's and fused with the unchanged dense
similarity by the same weights as the first stage; hits past RERANK_CANDIDATES keep their order
after the re-scored ones. Measured on LoCoMo (natural-language questions) it is neutral; it is
for queries whose words make a phrase or a name.
"""

from __future__ import annotations

from django.db import connection

from memories.models import Memory
from memories.selectors.search_lexical import LexicalResult

RERANK_CANDIDATES = 50
PROXIMITY_WINDOW = 5
PROXIMITY_WEIGHT = 1.0
PHRASE_WEIGHT = 1.0

_POSITIONS = f"""
SELECT m.id, u.lexeme, u.positions, u.weights
FROM {Memory._meta.db_table} m CROSS JOIN LATERAL unnest(m.search_vector) u
WHERE m.id = ANY(%s) AND u.lexeme = ANY(%s)
"""


def rerank(hits: list, *, lexical: LexicalResult, weights: tuple[float, float]) -> list:
    """`hits` (best first; .memory, .score, .dense, and .lexical = BM25 / what the query can
    attain, `lexical.attainable`) with the first RERANK_CANDIDATES re-scored and re-sorted."""
    head, tail = hits[:RERANK_CANDIDATES], hits[RERANK_CANDIDATES:]
    lexemes = lexical.lexemes
    if len(head) < 2 or len(set(lexemes)) < 2 or not weights[1]:
        return hits
    positions = _text_positions([hit.memory.pk for hit in head], lexemes)
    idf = {lexeme: float(lexical.idf.get(lexeme, 0.0)) for lexeme in lexemes}
    offsets = [p - lexical.positions[0] for p in lexical.positions]
    attainable = lexical.attainable or 1.0
    rescored = {}
    for hit in head:
        places = positions.get(hit.memory.pk, {})
        bonus = PROXIMITY_WEIGHT * proximity(places, idf)
        if is_phrase(places, lexemes, offsets):
            bonus += PHRASE_WEIGHT * sum(idf.values())
        rescored[hit.memory.pk] = hit.lexical + bonus / attainable
    unclamped = {}
    for hit in head:
        score = weights[0] * hit.dense + weights[1] * rescored[hit.memory.pk]
        hit.rerank = score - hit.score
        unclamped[hit.memory.pk] = score
        hit.score = min(max(score, 0.0), 1.0)  # the scale clients' thresholds read
    # Sorted before the clamp: two memories past 1 keep the order their bonuses give them.
    head.sort(key=lambda hit: (-unclamped[hit.memory.pk], -hit.memory.created_at.timestamp()))
    return head + tail


def proximity(places: dict[str, list[int]], idf: dict[str, float]) -> float:
    """BM25TP-style: each close pair of distinct query lexemes adds min(idf) / distance^2."""
    matched = [lexeme for lexeme in idf if lexeme in places]
    score = 0.0
    for i, a in enumerate(matched):
        for b in matched[i + 1 :]:
            distance = max(min(abs(p - q) for p in places[a] for q in places[b]), 1)
            if distance <= PROXIMITY_WINDOW:
                score += min(idf[a], idf[b]) / distance**2
    return score


def is_phrase(places: dict[str, list[int]], lexemes: list[str], offsets: list[int]) -> bool:
    """Do all the query's lexemes occur at the query's relative offsets somewhere?"""
    if not all(lexeme in places for lexeme in lexemes):
        return False
    return any(
        all(
            start + offset in places[lexeme]
            for lexeme, offset in zip(lexemes, offsets, strict=True)
        )
        for start in places[lexemes[0]]
    )


def _text_positions(ids: list, lexemes: list[str]) -> dict:
    """{memory id: {lexeme: [positions in the text]}} (weight A: the context is left out)."""
    found: dict = {}
    with connection.cursor() as cursor:
        cursor.execute(_POSITIONS, [ids, list(dict.fromkeys(lexemes))])
        for pk, lexeme, places, weights in cursor.fetchall():
            in_text = [p for p, w in zip(places, weights, strict=True) if w == "A"]
            if in_text:
                found.setdefault(pk, {})[lexeme] = in_text
    return found
