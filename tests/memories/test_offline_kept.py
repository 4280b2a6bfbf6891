"""The offline extractor's English beyond its rules: coordinated statements give one fact each,
"can't eat" names any food, and a statement no rule reads is kept as said."""

from __future__ import annotations

import pytest

from memories.extraction.offline import extract_facts
from memories.extraction.offline_table import kept_subject


def user(*texts: str) -> list[dict]:
    return [{"role": "user", "content": text} for text in texts]


def texts(*messages: str) -> list[str]:
    return [fact.text for fact in extract_facts(user(*messages))]


# Statements no rule reads: kept as said (cleaned), so nothing the user stated is lost.
KEPT_AS_SAID = [
    ("I'm going to the store", "I'm going to the store"),
    ("I'm so tired today!", "I'm so tired today"),
    ("My friend is vegan.", "My friend is vegan"),
    ("She is a nurse", "She is a nurse"),
    ("Well, I love my job", "I love my job"),
    ("Ich wohne in München.", "Ich wohne in München"),
]


@pytest.mark.parametrize(("message", "kept"), KEPT_AS_SAID)
def test_a_statement_no_rule_reads_is_kept_as_said(message, kept):
    [fact] = extract_facts(user(message))
    assert fact.text == kept and fact.subject == kept_subject(kept)


@pytest.mark.parametrize(
    ("message", "facts"),
    [
        ("I'm vegetarian and allergic to nuts.", ["Is vegetarian", "Allergic to nuts"]),
        ("I love hiking and hate crowds", ["Loves hiking", "Hates crowds"]),
        ("I live in Oslo and work at Equinor", ["Lives in Oslo", "Works at Equinor"]),
        (
            "I love Indian food, but I'm allergic to cheese and can't eat pizza.",
            ["Loves Indian food", "Allergic to cheese", "Cannot eat pizza"],
        ),
    ],
)
def test_coordinated_statements_give_one_fact_each(message, facts):
    assert texts(message) == facts


@pytest.mark.parametrize(
    ("message", "facts"),
    [
        ("I can't eat pizza", ["Cannot eat pizza"]),
        ("I can't eat raw onions.", ["Cannot eat raw onions"]),
        ("I can't eat it right now", ["I can't eat it right now"]),  # no diet: kept as said
    ],
)
def test_cannot_eat_names_any_food_but_not_a_moment(message, facts):
    assert texts(message) == facts


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
