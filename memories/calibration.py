"""One score scale for every embedding model and language.

A cosine similarity means different things from model to model: all-MiniLM-L6-v2 gives an
unrelated English pair ~0.07 and a question with its answer ~0.41, multilingual-e5-small ~0.78
and ~0.84, and e5 sits higher still in Chinese. Clients send thresholds tuned to Mem0's scale
(the mem0 CLI sends 0.3, the SDK examples 0.1), so search maps each cosine onto one scale before
fusing it with the full-text score:

    semantic = 1 / (1 + exp(-(cosine - middle) / spread))
    middle = (unrelated + answered) / 2, spread = (answered - unrelated) / 4

(`unrelated` scores 0.12, `answered` 0.88)

where `unrelated` is the model's median cosine between a question and memories that do not
answer it, and `answered` its median between a question and the memory that does, in the
query's language. Both are measured, not chosen: `manage.py calibrate_scores` embeds the
question/memory pairs of data/score_calibration.json (written for this, not taken from any
benchmark) and writes data/score_scales.json for the local models; for an OpenAI-compatible
model it prints the values to put in EMBEDDING_SCORE_SCALE. A model with no scale keeps its raw
cosine.
"""

from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path

from django.conf import settings

from memories.text import CJK

DATA = Path(__file__).parent / "data"
PAIRS_FILE = DATA / "score_calibration.json"
SCALES_FILE = DATA / "score_scales.json"
LANGUAGES = ("en", "zh")  # the corpus's; a query mostly in CJK script reads the "zh" scale
IDENTITY = (0.0, 1.0)
_CJK_CHAR = re.compile(f"[{CJK}]")


def query_language(query: str) -> str:
    """ "zh" when at least half the query's letters are CJK (a character is a word's worth of
    meaning there), else "en"."""
    letters = sum(1 for char in query if char.isalpha())
    cjk = len(_CJK_CHAR.findall(query))
    return "zh" if letters and cjk * 2 >= letters else "en"


def scale_of(model: str, language: str) -> tuple[float, float]:
    """(unrelated, answered) cosines of `model` in `language`."""
    scales = _shipped_scales().get(model)
    if scales:
        return tuple(scales[language])
    configured = getattr(settings, "EMBEDDING_SCORE_SCALE", "")
    if configured and model.startswith("openai:"):
        low, high = (float(part) for part in configured.split(","))
        return low, high
    return IDENTITY


def calibrated(cosine: float, scale: tuple[float, float]) -> float:
    """A logistic curve through the scale: `unrelated` maps to 0.12, `answered` to 0.88, and
    it never flattens, so two strong answers keep their order (a clamp at 1 tied them)."""
    low, high = scale
    if scale == IDENTITY:
        return min(max(cosine, 0.0), 1.0)
    middle, spread = (low + high) / 2, (high - low) / 4
    return 1.0 / (1.0 + math.exp(-(cosine - middle) / spread))


def measure_scales(model: str) -> dict[str, list[float]]:
    """{language: [unrelated, answered]} of `model` on the calibration pairs (embeds them)."""
    import numpy as np

    from memories import embeddings

    pairs = json.loads(PAIRS_FILE.read_text(encoding="utf-8"))["pairs"]
    scales = {}
    for language in LANGUAGES:
        questions = [embeddings.embed_query(q, model=model) for q, _ in pairs[language]]
        answers = embeddings.embed_texts([a for _, a in pairs[language]], model=model)
        cosines = np.asarray(questions) @ np.asarray(answers).T
        answered = np.diag(cosines)
        unrelated = cosines[~np.eye(len(answered), dtype=bool)]
        scales[language] = [
            round(float(np.median(unrelated)), 4),
            round(float(np.median(answered)), 4),
        ]
    return scales


@functools.cache
def _shipped_scales() -> dict:
    return json.loads(SCALES_FILE.read_text(encoding="utf-8"))["scales"]
