# ruff: noqa: RUF001 - Chinese text is written with full-width punctuation
"""Scores on one scale for every model and language (memories/calibration.py), on the real
database: a relevant memory clears the thresholds Mem0's clients send, an unrelated one does not.
"""

from __future__ import annotations

import pytest
from django.db.models import Q

from memories import calibration, embeddings
from memories.calibration import calibrated, measure_scales, query_language, scale_of
from memories.selectors.search import memory_search

CLI_THRESHOLD = 0.3  # the mem0 CLI's default


@pytest.mark.parametrize("spec", embeddings.LOCAL_MODELS, ids=lambda spec: spec.name)
def test_the_shipped_scales_are_what_the_calibration_pairs_measure(spec):
    # Measured by `manage.py calibrate_scores --write`, never edited by hand.
    shipped = calibration._shipped_scales()[spec.name]

    measured = measure_scales(spec.name)

    for language in calibration.LANGUAGES:
        assert measured[language] == pytest.approx(shipped[language], abs=0.003)


def test_the_calibration_pairs_are_not_the_examples_search_is_tested_on():
    text = calibration.PAIRS_FILE.read_text(encoding="utf-8")
    for example in ["nurse", "cheese", "奶酪", "饮食偏好", "dietary", "Indian"]:
        assert example not in text


@pytest.mark.parametrize(
    ("query", "language"),
    [
        ("饮食偏好", "zh"),
        ("我对什么过敏？", "zh"),
        ("我喜欢写 Python 代码", "zh"),
        ("food allergy", "en"),
        ("what is 烤鸭?", "en"),
        ("", "en"),
        ("123 !!", "en"),
    ],
)
def test_the_query_language_is_read_from_its_letters(query, language):
    assert query_language(query) == language


def test_the_scale_places_unrelated_low_and_answered_high_and_keeps_the_order(settings):
    low, high = scale_of("multilingual-e5-small", "en")
    assert 0 < low < high < 1
    assert calibrated(low, (low, high)) == pytest.approx(0.12, abs=0.01)
    assert calibrated(high, (low, high)) == pytest.approx(0.88, abs=0.01)
    strong = [calibrated(high + step / 100, (low, high)) for step in range(10)]
    assert strong == sorted(strong) and len(set(strong)) == 10  # no ties among strong answers
    assert 0.0 <= calibrated(-1.0, (low, high)) < 0.001
    assert 0.999 < calibrated(1.0, (low, high)) <= 1.0
    assert scale_of("openai:some-model", "zh") == (0.0, 1.0)  # unknown: raw cosine
    assert calibrated(0.42, (0.0, 1.0)) == 0.42
    settings.EMBEDDING_SCORE_SCALE = "0.2,0.6"
    assert scale_of("openai:some-model", "zh") == (0.2, 0.6)


def scores(alice, add, texts: list[str], query: str) -> dict[str, float]:
    for text in texts:  # one add each: no memory carries another as its context
        add(text)
    hits = memory_search(project=alice.project, query=query, where=Q(user_id="alice"))
    return {hit.memory.text: hit.score for hit in hits}


@pytest.mark.parametrize(
    ("query", "answer", "unrelated"),
    [
        ("occupation", "Works as a nurse", "Has a red bicycle"),
        ("what is my job", "Works as a nurse", "Has a red bicycle"),
        ("dietary preferences", "Is vegetarian", "Moved to Berlin in 2019"),
        ("food allergy", "Allergic to cheese", "Plays tennis on Sundays"),
        # A bare two-character keyword (职业) scores lower: 0.27 (docs/benchmarks.md).
        ("我是做什么工作的？", "我是一名护士", "我有一辆红色的自行车"),
        ("我对什么过敏？", "我对奶酪过敏", "周末喜欢去爬山"),
        ("饮食偏好", "我是素食者", "去年搬到了上海"),
    ],
)
def test_the_answer_clears_the_cli_threshold_and_the_unrelated_memory_does_not(
    alice, add, query, answer, unrelated
):
    found = scores(alice, add, [answer, unrelated], query)

    assert found[answer] >= CLI_THRESHOLD
    assert found.get(unrelated, 0.0) < CLI_THRESHOLD


def test_an_allergy_outranks_a_liking_for_food_allergy(alice, add):
    # The stemmer keeps "allergic" and "allergy" apart; the meaning must decide.
    found = scores(alice, add, ["Loves Indian food", "Allergic to cheese"], "food allergy")

    assert found["Allergic to cheese"] > found["Loves Indian food"]
