"""`manage.py bench memorybank` on a tiny bilingual dataset, through the real SDK against a live
Engram (pytest's live server stands in for the bench's gunicorn)."""

from __future__ import annotations

import io
import json
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import Project
from memories.bench import memorybank
from memories.bench.memorybank import questions, scores, turns_by_text

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TINY = Path(__file__).parent / "data" / "memorybank-tiny.json"


@pytest.fixture
def bench(live_server, settings, tmp_path, monkeypatch):
    """Run the command; (stdout, the JSON it wrote)."""

    @contextmanager
    def server(progress):
        yield live_server.url

    monkeypatch.setattr(memorybank, "live_server", server)
    settings.VAR_DIR = tmp_path

    def run(*args: str) -> tuple[str, dict]:
        out = io.StringIO()
        call_command("bench", "memorybank", "--data", str(TINY), *args, stdout=out, stderr=out)
        [written] = (tmp_path / "bench").glob("memorybank-*.json")
        return out.getvalue(), json.loads(written.read_text())

    return run


def test_it_prints_a_table_per_language_and_writes_json(bench):
    out, results = bench()

    assert "MemoryBank zh" in out and "MemoryBank en" in out
    for name in ("engram", "bm25", "dense", "lexical"):
        assert out.count(f"\n{name} ") == 2
    assert set(results["languages"]) == {"zh", "en"}
    assert {"date", "commit", "seconds"} <= set(results)


def test_it_stores_every_turn_as_two_memories_and_skips_questions_without_evidence(bench):
    _, results = bench()

    zh, en = results["languages"]["zh"], results["languages"]["en"]
    assert (zh["turns"], zh["memories"], zh["skipped_without_evidence"]) == (4, 8, 0)
    assert (en["turns"], en["memories"], en["skipped_without_evidence"]) == (6, 12, 1)
    assert {row["questions"] for row in en["rankings"].values()} == {2}


def test_it_finds_evidence_sharing_words_with_bm25_at_rank_one(bench):
    _, results = bench()

    zh, en = results["languages"]["zh"]["rankings"], results["languages"]["en"]["rankings"]
    assert (zh["bm25"]["recall@5"], zh["bm25"]["mrr"]) == (100, 100)
    # Bob's second evidence turn shares no word with the question: half of it is found.
    assert (en["bm25"]["recall@5"], en["bm25"]["mrr"]) == (75, 100)


def test_it_returns_all_of_a_small_users_memories_in_engrams_top_10(bench):
    _, results = bench()

    for language, evidence_memories in (("zh", 4), ("en", 6)):
        figures = results["languages"][language]
        assert figures["rankings"]["engram"]["recall@10"] == 100
        assert figures["rankings"]["dense"]["recall@10"] == 100
        hidden = figures["thresholds"]
        assert hidden["evidence_in_top10"] == evidence_memories
        assert 0 <= hidden["below_0.1"] <= hidden["below_0.3"] <= evidence_memories


def test_it_runs_one_language_and_deletes_its_project(bench):
    _, results = bench("--lang", "en")

    assert set(results["languages"]) == {"en"}
    assert not Project.objects.filter(name__startswith="bench-memorybank-").exists()


def test_it_scores_a_turn_found_through_its_reply():
    evidence = {("2023-05-01", 0), ("2023-05-03", 0)}
    ranked = [set(), {("2023-05-01", 1)}, {("2023-05-01", 0)}] + [set()] * 7

    assert scores(ranked, evidence) == {"recall@5": 0.5, "recall@10": 0.5, "mrr": 1 / 3}


def test_it_maps_a_repeated_text_to_every_turn_that_said_it():
    history = {"d1": [{"query": "OK", "response": "A"}], "d2": [{"query": "OK", "response": "B"}]}

    assert turns_by_text(history)["OK"] == {("d1", 0), ("d2", 0)}


def test_it_keeps_only_questions_with_evidence():
    user = {
        "questions": [{"question": "q", "answer": "a", "evidence": [["d", "2"]]}, {"question": "x"}]
    }

    assert questions(user) == ([{"question": "q", "answer": "a", "evidence": {("d", 2)}}], 1)
