"""The offline extractor's English beyond its rules: coordinated statements give one fact each,
"can't eat" names any food, and a statement no rule reads is kept as said."""

from __future__ import annotations

from memories.extraction.offline import extract_facts


def user(*texts: str) -> list[dict]:
    return [{"role": "user", "content": text} for text in texts]


def texts(*messages: str) -> list[str]:
    return [fact.text for fact in extract_facts(user(*messages))]


# The cases (kept as said, coordination, "I can't eat") are data: test_offline_en.py.


def test_it_handles_any_unicode():
    # German has no rules: kept as said; 住在北京 is read (test_offline_zh.py) but São Paulo,
    # said later, replaces it: both are the residence.
    assert texts("Ich wohne in München. 我住在北京。 I live in São Paulo 🙂") == [
        "Ich wohne in München",
        "Lives in São Paulo",
    ]
    assert texts("Ich wohne in München. 我住在北京。 I'm vegan 🙂") == [
        "Ich wohne in München",
        "住在北京",
        "Is vegan",
    ]
