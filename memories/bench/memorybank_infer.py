"""`manage.py bench memorybank --infer`: MemoryBank through the default add path (inference on),
scored through provenance, beside the same run's `infer=False` figures.

Each turn is one add, as an application sends it: the user's message and the reply, with
`async_mode=False` so the extraction runs before the next turn is said (a worker that keeps up).
A memory counts for the turn of the add that wrote it (`Memory.source["event_id"]`), so a
search hit is scored by where it came from, not by its text. Reported per language:

- coverage: the share of evidence turns that produced at least one memory, over all evidence
  turns and over those whose evidence is in the user's message (the issue's measure; MemoryBank
  does not say which side holds it, so a turn counts as the user's when the answer's words
  overlap the user's message more than the reply: `text.content_words`);
- recall@10 and MRR of the evidence turns, and the infer=False recall@10 of the same run;
- memories written per turn, and what the events skipped, by reason.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

from memories.bench import memorybank as verbatim
from memories.bench.search import _client, bench_key, live_server
from memories.models import Event, Memory
from memories.text import content_words

K = 10


def run(*, data: Path, languages: list[str], progress) -> dict:
    dataset = json.loads(Path(data).read_text())
    stamp = datetime.now(UTC)
    inferred, key = bench_key(f"bench-memorybank-infer-{stamp:%Y%m%dT%H%M%S%f}")
    plain, plain_key = bench_key(f"bench-memorybank-plain-{stamp:%Y%m%dT%H%M%S%f}")
    results: dict = {"data": str(data), "languages": {}}
    try:
        with live_server(progress) as url:
            for language in languages:
                users = dataset[language]
                figures = run_language(inferred, _client(url, key), users, language, progress)
                progress(f"{language}: the same turns with infer=False...")
                same_run = verbatim.run_language(
                    plain, _client(url, plain_key), users, language, progress
                )
                figures["infer_false_recall@10"] = same_run["rankings"]["engram"]["recall@10"]
                results["languages"][language] = figures
    finally:
        inferred.delete()
        plain.delete()
    return results


def run_language(project, client, users: dict, language: str, progress) -> dict:
    rows, covered, covered_user = [], [], []
    skipped: Counter = Counter()
    memories_per_turn = []
    for name, user in users.items():
        progress(f"{language}: adding the turns of {name} with inference...")
        uid = verbatim.user_id(language, name)
        turn_of = _ingest(client, user["history"], uid)
        written = _turns_with_memories(project, uid, turn_of)
        memories_per_turn += [written.get(turn, 0) for turn in turn_of.values()]
        for event in Event.objects.filter(pk__in=turn_of.keys()).only("skipped"):
            skipped.update(skip["reason"] for skip in event.skipped or [])
        kept, _ = verbatim.questions(user)
        for qa in kept:
            for turn in qa["evidence"]:
                covered.append(written.get(turn, 0) > 0)
                if _said_by_user(user["history"], turn, qa):
                    covered_user.append(written.get(turn, 0) > 0)
            ranked = _ranked(project, client, uid, qa["question"], turn_of)
            rows.append(verbatim.scores(ranked, qa["evidence"]))
    return {
        "users": len(users),
        "turns": len(memories_per_turn),
        "memories": sum(memories_per_turn),
        "coverage": 100 * statistics.fmean(covered) if covered else 0.0,
        "coverage_user_evidence": 100 * statistics.fmean(covered_user) if covered_user else 0.0,
        "user_evidence_turns": len(covered_user),
        "evidence_turns": len(covered),
        "recall@10": 100 * statistics.fmean(r[f"recall@{K}"] for r in rows),
        "mrr": 100 * statistics.fmean(r["mrr"] for r in rows),
        "questions": len(rows),
        "skipped": dict(skipped.most_common()),
    }


def _ingest(client, history: dict, user: str) -> dict[str, verbatim.Turn]:
    """One add per turn, extracted before the next; {event id: turn}."""
    turn_of = {}
    for date, index, turn in verbatim.turns(history):
        day = datetime.fromisoformat(date).replace(tzinfo=UTC)
        answer = client.add(
            [
                {"role": "user", "content": turn["query"]},
                {"role": "assistant", "content": turn["response"]},
            ],
            user_id=user,
            async_mode=False,
            metadata={"date": date, "turn": index},
            timestamp=int(day.timestamp()),
        )
        turn_of[answer["event_id"]] = (date, index)
    return turn_of


def _turns_with_memories(project, user: str, turn_of: dict) -> dict[verbatim.Turn, int]:
    """How many of the user's memories each turn wrote (an UPDATE credits the later turn)."""
    counts: dict[verbatim.Turn, int] = defaultdict(int)
    for source in Memory.objects.filter(project=project, user_id=user).values_list(
        "source", flat=True
    ):
        turn = turn_of.get((source or {}).get("event_id"))
        if turn is not None:
            counts[turn] += 1
    return counts


def _ranked(project, client, user: str, question: str, turn_of: dict) -> list[set]:
    hits = client.search(question, filters={"user_id": user}, top_k=K, threshold=0)["results"]
    sources = {
        str(pk): source or {}
        for pk, source in Memory.objects.filter(
            project=project, pk__in=[h["id"] for h in hits]
        ).values_list("pk", "source")
    }
    turns = [turn_of.get(sources.get(hit["id"], {}).get("event_id")) for hit in hits]
    return [{turn} if turn else set() for turn in turns]


def _said_by_user(history: dict, turn: verbatim.Turn, qa: dict) -> bool:
    date, index = turn
    said = history.get(date, [])[index] if index < len(history.get(date, [])) else None
    if said is None:
        return False
    answer = set(content_words(str(qa.get("answer", ""))))
    return len(answer & set(content_words(said["query"]))) > len(
        answer & set(content_words(said["response"]))
    )
