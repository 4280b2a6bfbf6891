"""`manage.py bench memorybank`: evidence recall of search in Chinese and in English.

MemoryBank (Zhong et al., 2023; MIT) gives each virtual user ten days of chats with an AI
companion, the same users in Chinese and in English, and probing questions; our labels give
each question its evidence turns (README of ../shared/data). Every turn is added through the
real SDK with infer=False, one call per turn: the user's message and the companion's reply, so
each keeps the other as adjacent-message context (message_context.py; a reply rarely names its
subject) and the call's metadata can name the turn, {"date", "turn"}, which a day per call
could not. The day is the timestamp. One Engram user per MemoryBank user, a fresh project per
run, deleted at the end, so the figures measure how today's code stores and searches.

A turn counts as found when its message or its reply is returned (a text said in several turns
is stored once and stands for all of them). Rows: Engram's search through the SDK, BM25 over
the user's stored memories in process (bm25.py: bigrams for Chinese), and the dense-only and
full-text-only rankings of selectors/search_baselines.py.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from memories.bench.bm25 import BM25
from memories.bench.search import _client, bench_key, live_server
from memories.selectors.memories import memories_of
from memories.selectors.search_baselines import memory_rank_dense, memory_rank_full_text
from memories.selectors.where import Selection, selection_where

LANGUAGES = ("zh", "en")
KS = (5, 10)
# Mem0's clients send a score threshold; these show what it would hide of the top 10.
THRESHOLDS = (0.1, 0.3)
RANKINGS = ("engram", "bm25", "dense", "lexical")
BASELINES = {"dense": memory_rank_dense, "lexical": memory_rank_full_text}

Turn = tuple[str, int]  # (date, index of the turn in that day's list)


def user_id(language: str, name: str) -> str:
    return f"{language}-{name}"  # the two languages share some names (and a project)


def turns(history: dict):
    """(date, index, turn) for every turn of a user's history, days in order."""
    for date in sorted(history):
        for index, turn in enumerate(history[date]):
            yield date, index, turn


def turns_by_text(history: dict) -> dict[str, set[Turn]]:
    """Message or reply text -> every turn that said it (the stored memory stands for all)."""
    found: dict[str, set[Turn]] = defaultdict(set)
    for date, index, turn in turns(history):
        found[turn["query"]].add((date, index))
        found[turn["response"]].add((date, index))
    return found


def texts_in_order(history: dict):
    for _, _, turn in turns(history):
        yield turn["query"]
        yield turn["response"]


def questions(user: dict) -> tuple[list[dict], int]:
    """(the questions with evidence, how many had none), evidence as a set of turns."""
    kept = [
        {
            "question": q["question"],
            "answer": q.get("answer", ""),
            "evidence": {(d, int(i)) for d, i in q["evidence"]},
        }
        for q in user["questions"]
        if q.get("evidence")
    ]
    return kept, len(user["questions"]) - len(kept)


def ingest(client, history: dict, user: str) -> None:
    for date, index, turn in turns(history):
        day = datetime.fromisoformat(date).replace(tzinfo=UTC)
        client.add(
            [
                {"role": "user", "content": turn["query"]},
                {"role": "assistant", "content": turn["response"]},
            ],
            user_id=user,
            infer=False,
            metadata={"date": date, "turn": index},
            timestamp=int(day.timestamp()),
        )


def turns_of(text: str, metadata: dict | None, by_text: dict[str, set[Turn]]) -> set[Turn]:
    found = set(by_text.get(text, ()))
    if metadata and "turn" in metadata:
        found.add((metadata["date"], int(metadata["turn"])))
    return found


def scores(ranked: list[set[Turn]], evidence: set[Turn]) -> dict:
    """Recall@k of the evidence turns and the reciprocal rank of the first memory of one."""
    result = {f"recall@{k}": len(evidence & set().union(*ranked[:k])) / len(evidence) for k in KS}
    first = next((i for i, found in enumerate(ranked, 1) if found & evidence), None)
    result["mrr"] = 1 / first if first else 0.0
    return result


def hidden_by_thresholds(hits: list[dict], evidence: set[Turn], by_text) -> dict:
    """Evidence memories in Engram's top 10, and how many of them score below each threshold."""
    scored = [
        hit["score"]
        for hit in hits[: max(KS)]
        if turns_of(hit["memory"], hit.get("metadata"), by_text) & evidence
    ]
    return {
        "evidence_in_top10": len(scored),
        **{f"below_{t}": sum(score < t for score in scored) for t in THRESHOLDS},
    }


class UserBench:
    """One MemoryBank user's questions ranked every way over the memories stored for them."""

    def __init__(self, project, client, user: str, history: dict):
        self.project, self.client, self.user = project, client, user
        self.by_text = turns_by_text(history)
        self.where, _ = selection_where(Selection(filters={"user_id": user}))
        # In the order they were said: a day's memories share a created_at, and BM25 breaks
        # its ties by position, so any other order changes the figures from run to run.
        said = {text: i for i, text in enumerate(texts_in_order(history))}
        stored = sorted(
            memories_of(project=project).filter(user_id=user), key=lambda m: said.get(m.text, -1)
        )
        self.stored = [turns_of(m.text, m.metadata, self.by_text) for m in stored]
        self.bm25 = BM25([m.text for m in stored])

    def rankings(self, question: str) -> tuple[dict[str, list[set[Turn]]], list[dict]]:
        hits = self.client.search(
            question, filters={"user_id": self.user}, top_k=max(KS), threshold=0
        )["results"]
        ranked = {"engram": [turns_of(h["memory"], h.get("metadata"), self.by_text) for h in hits]}
        ranked["bm25"] = [self.stored[i] for i in self.bm25.rank(question, max(KS))]
        for name, rank in BASELINES.items():
            found = rank(project=self.project, query=question, where=self.where, limit=max(KS))
            ranked[name] = [turns_of(m.text, m.metadata, self.by_text) for m in found]
        return ranked, hits


def summarise(rows: dict[str, list[dict]]) -> dict:
    return {
        name: {
            "questions": len(rows[name]),
            **{m: 100 * statistics.fmean(r[m] for r in rows[name]) for m in rows[name][0]},
        }
        for name in RANKINGS
        if rows[name]
    }


def run_language(project, client, users: dict, language: str, progress) -> dict:
    started = time.perf_counter()
    for name, user in users.items():
        progress(f"{language}: adding the turns of {name} through the SDK...")
        ingest(client, user["history"], user_id(language, name))
    added = time.perf_counter()
    rows: dict[str, list[dict]] = defaultdict(list)
    hidden: dict[str, int] = defaultdict(int)
    skipped = 0
    progress(f"{language}: searching the questions...")
    for name, user in users.items():
        bench = UserBench(project, client, user_id(language, name), user["history"])
        kept, none = questions(user)
        skipped += none
        for qa in kept:
            ranked, hits = bench.rankings(qa["question"])
            for ranking, found in ranked.items():
                rows[ranking].append(scores(found, qa["evidence"]))
            for key, count in hidden_by_thresholds(hits, qa["evidence"], bench.by_text).items():
                hidden[key] += count
    return {
        "users": len(users),
        "turns": sum(1 for u in users.values() for _ in turns(u["history"])),
        "memories": memories_of(project=project).filter(user_id__startswith=f"{language}-").count(),
        "skipped_without_evidence": skipped,
        "rankings": summarise(rows),
        "thresholds": dict(hidden),
        "seconds": {"add": added - started, "search": time.perf_counter() - added},
    }


def run(*, data: Path, languages: list[str], progress) -> dict:
    dataset = json.loads(Path(data).read_text())
    stamp = datetime.now(UTC)
    project, key = bench_key(f"bench-memorybank-{stamp:%Y%m%dT%H%M%S%f}")
    results: dict = {"data": str(data), "languages": {}}
    try:
        with live_server(progress) as url:
            client = _client(url, key)
            for language in languages:
                results["languages"][language] = run_language(
                    project, client, dataset[language], language, progress
                )
    finally:
        project.delete()  # a fresh project each run: nothing stale is measured next time
    return results
