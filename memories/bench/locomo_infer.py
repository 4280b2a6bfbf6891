"""`manage.py bench locomo --infer`: LoCoMo through the default add path (inference on), scored
through provenance, beside the same run's `infer=False` recall.

Each session is one add, as a chat app sends a conversation ("Speaker: text" messages, as
`bench locomo` stores them), with `async_mode=False` so the extraction runs before the next
session. A memory counts for the turns of the messages it came from (`Memory.source`), so a
search hit is scored by where it came from. Reported: coverage (the share of the questions'
evidence turns that gave at least one memory), recall@10 by category and overall, the
infer=False recall@10 of the same questions, memories per turn, and what the events skipped.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from memories.bench import locomo
from memories.bench.search import _client, bench_key, live_server
from memories.models import Event, Memory

K = 10


def run(*, data: Path, progress) -> dict:
    samples = json.loads(Path(data).read_text())
    stamp = datetime.now(UTC)
    inferred, key = bench_key(f"bench-locomo-infer-{stamp:%Y%m%dT%H%M%S%f}")
    plain, plain_key = bench_key(f"bench-locomo-plain-{stamp:%Y%m%dT%H%M%S%f}")
    rows: list[dict] = []
    covered: list[bool] = []
    skipped: Counter = Counter()
    turns = memories = 0
    try:
        with live_server(progress) as url:
            client, plain_client = _client(url, key), _client(url, plain_key)
            for sample in samples:
                user = sample["sample_id"]
                progress(f"{user}: adding each session with inference...")
                dia_of = _ingest(client, sample, user)
                progress(f"{user}: the same sessions with infer=False...")
                locomo.ingest(plain_client, sample, user, progress)
                written = _turns_with_memories(inferred, user, dia_of)
                turns += sum(len(ids) for ids in dia_of.values())
                memories += Memory.objects.filter(project=inferred, user_id=user).count()
                for event in Event.objects.filter(pk__in=dia_of.keys()).only("skipped"):
                    skipped.update(skip["reason"] for skip in event.skipped or [])
                plain_ids = locomo.dia_ids_by_text(sample)
                for qa in locomo.questions(sample):
                    covered += [written[dia] > 0 for dia in qa["evidence"]]
                    ranked = _ranked(inferred, client, user, qa["question"], dia_of)
                    hits = plain_client.search(
                        qa["question"], filters={"user_id": user}, top_k=K, threshold=0
                    )["results"]
                    plain_ranked = [{plain_ids.get(h["memory"])} for h in hits]
                    rows.append(
                        {
                            "category": qa["category"],
                            "infer": _recall(ranked, qa["evidence"]),
                            "plain": _recall(plain_ranked, qa["evidence"]),
                        }
                    )
    finally:
        inferred.delete()
        plain.delete()
    return {
        "turns": turns,
        "memories": memories,
        "coverage": 100 * statistics.fmean(covered) if covered else 0.0,
        "evidence_turns": len(covered),
        "recall@10": _by_category(rows, "infer"),
        "infer_false_recall@10": _by_category(rows, "plain"),
        "skipped": dict(skipped.most_common()),
    }


def _ingest(client, sample: dict, user: str) -> dict[str, list[str]]:
    """One add per session, extracted before the next; {event id: dia_id of each message}."""
    dia_of = {}
    for when, session in locomo.sessions(sample):
        answer = client.add(
            [{"role": "user", "content": text} for _, text in session],
            user_id=user,
            async_mode=False,
            metadata={"session_date": when.date().isoformat()},
            timestamp=int(when.timestamp()),
        )
        dia_of[answer["event_id"]] = [dia for dia, _ in session]
    return dia_of


def _dias(source: dict | None, dia_of: dict[str, list[str]]) -> set[str]:
    ids = dia_of.get((source or {}).get("event_id"), [])
    return {ids[i] for i in (source or {}).get("messages", []) if 0 <= i < len(ids)}


def _turns_with_memories(project, user: str, dia_of: dict) -> Counter:
    counts: Counter = Counter()
    sources = Memory.objects.filter(project=project, user_id=user).values_list("source", flat=True)
    for source in sources:
        counts.update(_dias(source, dia_of))
    return counts


def _ranked(project, client, user: str, question: str, dia_of: dict) -> list[set[str]]:
    hits = client.search(question, filters={"user_id": user}, top_k=K, threshold=0)["results"]
    sources = {
        str(pk): source
        for pk, source in Memory.objects.filter(
            project=project, pk__in=[h["id"] for h in hits]
        ).values_list("pk", "source")
    }
    return [_dias(sources.get(h["id"]), dia_of) for h in hits]


def _recall(ranked: list[set[str]], evidence: set[str]) -> float:
    return len(evidence & set().union(*ranked[:K])) / len(evidence)


def _by_category(rows: list[dict], key: str) -> dict[str, float]:
    table = {"all": 100 * statistics.fmean(r[key] for r in rows)}
    for category in locomo.CATEGORIES:
        chosen = [r[key] for r in rows if r["category"] == category]
        if chosen:
            table[str(category)] = 100 * statistics.fmean(chosen)
    return table
