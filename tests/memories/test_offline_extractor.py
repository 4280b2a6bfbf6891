"""The built-in offline extractor: which facts it keeps from a chat, and which it leaves alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memories.extraction.offline import DEFAULT_CATEGORIES, Fact, extract_facts
from memories.extraction.offline_categories import assign, catalog, topics, word_filter

CASES = json.loads((Path(__file__).parent / "data" / "extraction_en_cases.json").read_text())
FOOD = ("food",)


def user(*texts: str) -> list[dict]:
    return [{"role": "user", "content": text} for text in texts]


def triples(*texts: str, **options) -> list[tuple[str, tuple[str, ...], str]]:
    return [(f.text, f.categories, f.subject) for f in extract_facts(user(*texts), **options)]


def texts(*messages: str, **options) -> list[str]:
    return [fact.text for fact in extract_facts(user(*messages), **options)]


# The cases of the English table, and what it leaves alone, are data: test_offline_en.py.


def test_it_only_listens_to_the_user():
    messages = [
        {"role": "system", "content": "I am a helpful assistant. My name is Bot."},
        {"role": "assistant", "content": "I live in the cloud and I love jazz."},
    ]
    assert extract_facts(messages) == []


def test_it_skips_a_bare_yes_to_an_assistant_question():
    messages = [
        {"role": "assistant", "content": "Are you vegetarian?"},
        {"role": "user", "content": "yes"},
    ]
    assert extract_facts(messages) == []


def test_it_reads_every_user_message_of_a_conversation_in_order():
    messages = [
        {"role": "user", "content": "Hi! I'm Alex."},
        {"role": "assistant", "content": "Nice to meet you, Alex. Where do you live?"},
        {"role": "user", "content": "I live in Lisbon. I have a dog named Biscuit."},
    ]
    assert [f.text for f in extract_facts(messages)] == [
        "Name is Alex",
        "Lives in Lisbon",
        "Has a dog named Biscuit",
    ]


# -- updates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("I live in Berlin", "I moved to Paris"),
        ("I'm vegetarian", "I'm no longer vegetarian"),
        ("I like jazz", "I don't like jazz"),
        ("I love jazz", "I can't stand jazz"),
        ("I work at Acme", "I don't work at Acme anymore"),
        ("I have a dog named Biscuit", "My dog passed away"),
        ("I'm allergic to peanuts", "I'm not allergic to peanuts anymore"),
        ("I'm going to Japan in June", "I'm not going to Japan anymore"),
    ],
)
def test_it_gives_an_update_the_subject_of_the_fact_it_replaces(before, after):
    [old], [new] = extract_facts(user(before)), extract_facts(user(after))
    assert old.subject == new.subject
    assert old.text != new.text


def test_it_says_so_when_a_fact_is_negated():
    assert texts("I'm not vegetarian anymore") == ["Is no longer vegetarian"]
    assert texts("I don't like jazz") == ["Dislikes jazz"]
    assert texts("I'm not married") == ["Is not married"]


def test_it_keeps_only_the_latest_fact_about_a_subject_within_a_call():
    assert texts("I'm vegetarian. Actually no, I'm vegan.") == ["Is vegan"]
    assert texts("I like jazz. I hate jazz. I like jazz.") == ["Likes jazz"]


def test_it_drops_repeats():
    assert texts("I live in Oslo.", "i live in oslo!!", "I LIVE IN OSLO") == ["Lives in Oslo"]


# -- filters ----------------------------------------------------------------------------------

CHATTY = (
    "I'm vegan. I have a dog named Biscuit. I work at Acme. I live in Berlin. "
    "I have asthma. I love jazz. I'm going to Japan in June."
)


def test_it_keeps_only_what_includes_mentions():
    assert texts(CHATTY, includes="food, music") == ["Is vegan", "Loves jazz"]
    assert texts(CHATTY, includes="jazz") == ["Loves jazz"]


def test_it_drops_what_excludes_mentions():
    assert "Has asthma" not in texts(CHATTY, excludes="health")
    assert texts(CHATTY, excludes="berlin travel health") == [
        "Is vegan",
        "Has a dog named Biscuit",
        "Works at Acme",
        "Loves jazz",
    ]


@pytest.mark.parametrize(
    ("instructions", "expected"),
    [
        ("Only extract food preferences.", ["Is vegan"]),
        ("Focus on work and music", ["Works at Acme", "Loves jazz"]),
        (
            "Do not store health information. Never remember anything about travel.",
            [
                "Is vegan",
                "Has a dog named Biscuit",
                "Works at Acme",
                "Lives in Berlin",
                "Loves jazz",
            ],
        ),
        (
            "Exclude medical details; ignore pets",
            [
                "Is vegan",
                "Works at Acme",
                "Lives in Berlin",
                "Loves jazz",
                "Plans to visit Japan in June",
            ],
        ),
        ("Be concise and friendly.", texts(CHATTY)),
    ],
)
def test_it_honours_simple_custom_instructions(instructions, expected):
    assert texts(CHATTY, custom_instructions=instructions) == expected


# -- categories -------------------------------------------------------------------------------


def test_it_offers_the_fifteen_default_categories_with_descriptions():
    names = [name for item in DEFAULT_CATEGORIES for name in item]
    assert names == [
        "personal_details", "family", "professional_details", "sports", "travel", "food",
        "music", "health", "technology", "hobbies", "fashion", "entertainment", "milestones",
        "user_preferences", "misc",
    ]  # fmt: skip
    assert all(len(item) == 1 and next(iter(item.values())) for item in DEFAULT_CATEGORIES)


def test_it_files_an_unrecognised_topic_under_misc():
    [fact] = extract_facts(user("I own a house"))
    assert fact.categories == ("misc",)


def test_it_matches_custom_categories_by_name_and_description():
    custom = [
        {"diet": "Dietary restrictions and food allergies"},
        {"pets": "The user's pets and animals"},
        {"work": "Job and career"},
    ]
    facts = extract_facts(user(CHATTY), categories=custom)
    by_text = {f.text: f.categories for f in facts}
    assert by_text["Is vegan"] == ("diet",)
    assert by_text["Has a dog named Biscuit"] == ("pets",)
    assert by_text["Works at Acme"] == ("work",)
    assert by_text["Lives in Berlin"] == ("diet",)  # no match and no misc: the first category


def test_it_matches_chinese_custom_categories_by_shared_words():
    cats = catalog([{"饮食": "食物、饮食偏好、过敏"}, {"工作": "职业、公司"}])
    assert assign("对奶酪过敏", "", (), cats) == ("饮食",)
    assert assign("在北京的公司上班", "", (), cats) == ("工作",)
    assert assign("喜欢猫", "", (), cats) == ("饮食",)  # no match and no misc: the first category


def test_it_filters_facts_by_chinese_words():
    allergies = word_filter("过敏")
    assert allergies is not None and allergies.matches("对奶酪过敏", (), set())
    assert not allergies.matches("喜欢吃北京烤鸭", (), set())


def test_it_matches_keywords_that_are_two_words():
    assert topics("Loves hip-hop") >= {"music"}
    assert topics("Has a master's degree") == {"professional_details"}


def test_it_uses_only_names_from_the_list_in_use():
    facts = extract_facts(user(CHATTY), categories=[{"food": ""}, {"misc": ""}, "health"])
    assert {c for f in facts for c in f.categories} == {"food", "misc", "health"}


def test_it_falls_back_to_the_defaults_for_an_empty_or_unusable_list():
    for categories in ([], [{}], [42], None, "food", {"food": "x"}):
        assert extract_facts(user("I'm vegan"), categories=categories)[0].categories == FOOD


# -- robustness -------------------------------------------------------------------------------


def test_it_is_deterministic():
    conversation = user(*(case["say"] for case in CASES))
    first = extract_facts(conversation)
    assert first == extract_facts(conversation)
    assert len(first) > 40


def test_it_keeps_facts_short():
    facts = extract_facts(user(*(case["say"] for case in CASES)))
    assert all(len(f.text.split()) <= 15 for f in facts)


@pytest.mark.parametrize(
    "messages",
    [
        None,
        "I live in Berlin",
        [None, 3, "I live in Berlin"],
        [{"role": "user"}],
        [{"role": "user", "content": None}],
        [{"role": "user", "content": ""}],
        [{"role": "user", "content": ["I live in Berlin"]}],
        [{"role": "user", "content": {"text": "I live in Berlin"}}],
        [{"content": "I live in Berlin"}],
    ],
)
def test_it_skips_what_is_not_a_user_message_with_text(messages):
    assert extract_facts(messages) == []


def test_it_caps_the_work_on_very_long_text():
    facts = extract_facts(user("I live in Berlin. " * 50_000 + "I'm vegan."))
    assert [f.text for f in facts] == ["Lives in Berlin"]


# Words the rules react to, so fuzzed text reaches deep into them, plus awkward characters.
FUZZ_WORDS = [
    "I", "I'm", "my", "we", "not", "no", "longer", "anymore", "have", "a", "two", "dog", "named",
    "Rex", "live", "in", "Berlin", "work", "at", "Acme", "as", "nurse", "love", "hate", "jazz",
    "vegan", "allergic", "to", "peanuts", "and", "but", ",", ".", "?", "going", "Japan", "June",
    "birthday", "is", "March", "12", "play", "tennis", "on", "call", "me", "Al", "\n", "\u2019",
    "\U0001f642", "",
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    contents=st.lists(
        st.one_of(
            st.text(max_size=400),
            st.lists(st.sampled_from(FUZZ_WORDS), max_size=40).map(" ".join),
        ),
        max_size=4,
    ),
    words=st.one_of(st.none(), st.text(max_size=30)),
)
def test_it_never_raises_and_returns_well_formed_facts(contents, words):
    messages = [{"role": "user", "content": content} for content in contents]
    facts = extract_facts(messages, includes=words, excludes=words, custom_instructions=words)
    for fact in facts:
        assert isinstance(fact, Fact)
        assert fact.text.strip() and fact.categories and fact.subject
        assert set(fact.categories) <= {name for item in DEFAULT_CATEGORIES for name in item}
