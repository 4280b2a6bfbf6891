"""The offline extractor's English table (memories/data/extraction_en.json) through the
pipeline (offline.py cuts and canonicalises, offline_table.read_clause reads), the cases as
data (tests/memories/data/extraction_en_cases.json)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from memories.extraction.offline import read_messages
from memories.extraction.offline_table import DATA_DIR, SHAPES, kept_subject, table

CASES = json.loads((Path(__file__).parent / "data" / "extraction_en_cases.json").read_text())
TABLE = json.loads((DATA_DIR / "extraction_en.json").read_text())


def read(text: str):
    return read_messages([{"role": "user", "content": text}])


@pytest.mark.parametrize("case", CASES, ids=[case["say"][:50] for case in CASES])
def test_each_case_gives_its_facts_or_says_why_not(case):
    reading = read(case["say"])

    got = [
        [f.text, list(f.categories), f.subject] if isinstance(want, list) else f.text
        for f, want in zip(reading.facts, case["facts"], strict=False)
    ]
    assert len(reading.facts) == len(case["facts"]) and got == case["facts"]
    for fact, want in zip(reading.facts, case["facts"], strict=True):
        if isinstance(want, str):  # a statement no rule reads: kept as said, its own subject
            assert fact.subject == kept_subject(want)
    if not case["facts"]:
        assert sorted({skip.reason for skip in reading.skipped}) == case["skipped"]


def test_every_rule_of_the_table_fires_in_some_case():
    fired = {name for case in CASES for name in read(case["say"]).fired}

    assert {rule.name for rule in table("en").rules} - fired == set()


def test_every_word_list_is_used_by_a_rule_or_the_code():
    code = "".join(p.read_text() for p in Path(DATA_DIR.parent, "extraction").glob("offline*.py"))
    patterns = "".join(rule.get("pattern", "") for rule in TABLE["rules"])
    for name in TABLE["words"]:
        assert f"{{@{name}}}" in patterns or f'_WORDS["{name}"]' in code, name


def test_declared_rules_are_well_formed():
    for rule in (r for r in TABLE["rules"] if "code" not in r):
        groups = set(re.findall(r"\(\?P<(\w+)>", rule["pattern"]))
        for template in (rule["fact"], rule.get("negated", ""), rule.get("ended", "")):
            assert set(re.findall(r"\{(\w+)\}", template)) <= groups, rule["name"]
        shapes = rule.get("shapes", {})
        assert set(shapes) <= groups, rule["name"]
        assert {shape.partition(":")[0] for shape in shapes.values()} <= set(SHAPES), rule["name"]
        # A rule that reads a negation says how: a negated fact (or an ended one, when the
        # negation is the rule's own, as in "I do not eat pork").
        if any(g.startswith("neg") for g in groups):
            assert rule.get("negated"), rule["name"]


def test_the_rules_are_tried_in_the_tables_order():
    """ "I am a nurse" is work before anything else could read it; the table's order is the
    priority."""
    names = [rule.name for rule in table("en").rules]
    assert names == [rule["name"] for rule in TABLE["rules"]]
    assert read("I'm a nurse at St Mary's Hospital").fired == ["work"]
