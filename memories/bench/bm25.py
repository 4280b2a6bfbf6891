"""A plain Okapi BM25 in pure Python: the bilingual reference ranking of `bench memorybank`.

Chinese is written without spaces, so a Chinese run is cut into every pair of adjacent
characters (bigrams need no dictionary and are the usual baseline for CJK retrieval), as
memories/text.py cuts it; Latin parts become lower-cased words without a few stop words. The
stop words are this reference's own, shorter than the index's, so its recorded numbers hold.
"""

from __future__ import annotations

import math
from collections import Counter

from memories.text import words

K1, B = 1.2, 0.75
_STOP = (
    "a an and are as at be but by did do does for from had has have i in is it its me my of "
    "on or so that the this to was were what when where which who why will with you your"
)
STOP_WORDS = frozenset(_STOP.split())


def tokens(text: str) -> list[str]:
    return [word for word in words(text) if word not in STOP_WORDS]


class BM25:
    def __init__(self, documents: list[str]):
        self.documents = [Counter(tokens(d)) for d in documents]
        self.lengths = [sum(d.values()) for d in self.documents]
        self.average = sum(self.lengths) / len(self.lengths) if self.lengths else 0.0
        frequency = Counter(t for d in self.documents for t in d)
        n = len(self.documents)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}

    def score(self, query: list[str], index: int) -> float:
        counts, norm = self.documents[index], K1 * (1 - B + B * self.lengths[index] / self.average)
        return sum(
            self.idf[t] * counts[t] * (K1 + 1) / (counts[t] + norm) for t in query if t in counts
        )

    def rank(self, query: str, limit: int) -> list[int]:
        """Indexes of the best `limit` documents with a positive score, best first."""
        words = tokens(query)
        scored = [(self.score(words, i), i) for i in range(len(self.documents))]
        return [i for s, i in sorted(scored, key=lambda x: (-x[0], x[1])) if s > 0][:limit]
