"""`manage.py bench locomo`: evidence recall of search on the LoCoMo dialogues.

One memory per dialog turn ("Speaker: text", plus the image caption), added through the real
SDK with infer=False, with its dia_id and session date in metadata and the session date as its
timestamp; one user per conversation. Each question of categories 1-4 is the query; a question
scores the share of its evidence turns found in the top k. The dense-only and full-text-only
rankings are computed in the same run, in process, as baselines.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from accounts.services import api_key_bootstrap
from memories.bench.search import _client, live_server
from memories.models import Memory
from memories.selectors.search import memory_search
from memories.selectors.where import Selection, selection_where

CATEGORIES = (1, 2, 3, 4)
KS = (5, 10, 20)
_DIA = re.compile(r"D(\d+):(\d+)")


def session_time(text: str) -> datetime:
    """ "1:56 pm on 8 May, 2023" → a datetime (UTC: LoCoMo gives no zone)."""
    return datetime.strptime(text.strip(), "%I:%M %p on %d %B, %Y").replace(tzinfo=UTC)


def turns(sample: dict):
    """(dia_id, memory text, session datetime) for every turn of a conversation."""
    conversation = sample["conversation"]
    for key, value in conversation.items():
        if not (key.startswith("session_") and isinstance(value, list)):
            continue
        when = session_time(conversation[f"{key}_date_time"])
        for turn in value:
            text = f"{turn['speaker']}: {turn['text']}"
            if turn.get("blip_caption"):
                text += f" [image: {turn['blip_caption']}]"
            yield turn["dia_id"], text, when


def evidence_ids(raw: list) -> set[str]:
    """Normalise the dataset's malformed evidence ("D8:6; D9:17", "D30:05", "D:11:26")."""
    found = set()
    for item in raw:
        for session, turn in _DIA.findall(str(item).replace("D:", "D")):
            found.add(f"D{int(session)}:{int(turn)}")
    return found


def questions(sample: dict) -> list[dict]:
    return [
        {
            "question": qa["question"],
            "category": qa["category"],
            "evidence": evidence_ids(qa["evidence"]),
        }
        for qa in sample["qa"]
        if qa.get("category") in CATEGORIES and evidence_ids(qa.get("evidence") or [])
    ]


def ingest(client, sample: dict, user: str, progress) -> None:
    for index, (dia_id, text, when) in enumerate(turns(sample)):
        client.add(
            [{"role": "user", "content": text}],
            user_id=user,
            infer=False,
            metadata={"dia_id": dia_id, "session_date": when.date().isoformat()},
            timestamp=int(when.timestamp()),
        )
        if index and index % 500 == 0:
            progress(f"  {sample['sample_id']}: {index} turns added")


def scores(ranked: list[str], evidence: set[str]) -> dict:
    result = {f"recall@{k}": len(evidence & set(ranked[:k])) / len(evidence) for k in KS}
    result["hit@10"] = float(bool(evidence & set(ranked[:10])))
    first = next((i for i, dia in enumerate(ranked, 1) if dia in evidence), None)
    result["mrr"] = 1 / first if first else 0.0
    return result


def ranked_in_process(project, query: str, user: str, weights: tuple[float, float]) -> list[str]:
    where, _ = selection_where(Selection(filters={"user_id": user}))
    hits = memory_search(project=project, query=query, where=where, top_k=max(KS), weights=weights)
    return [(hit.memory.metadata or {}).get("dia_id") for hit in hits]


def summarise(rows: list[dict]) -> dict:
    table = {}
    for category in (*CATEGORIES, "all"):
        chosen = [r for r in rows if category == "all" or r["category"] == category]
        table[str(category)] = (
            {
                "questions": len(chosen),
                **{
                    metric: 100 * statistics.fmean(r[metric] for r in chosen)
                    for metric in chosen[0]
                    if metric not in {"category"}
                },
            }
            if chosen
            else {"questions": 0}
        )
    return table


def run(*, data: Path, progress) -> dict:
    samples = json.loads(Path(data).read_text())
    api_key, key = api_key_bootstrap(
        email="bench@engram.local",
        organization_name="Bench",
        project_name="bench-locomo",
        scopes=["read", "write"],
        name="bench",
    )
    project = api_key.project
    project.rate_limit_per_minute = 10_000_000
    project.save(update_fields=["rate_limit_per_minute"])
    rows: dict[str, list[dict]] = defaultdict(list)
    with live_server(progress) as url:
        client = _client(url, key)
        for sample in samples:
            user = sample["sample_id"]
            if not Memory.objects.filter(project=project, user_id=user).exists():
                progress(f"adding the turns of {user} through the SDK...")
                ingest(client, sample, user, progress)
            progress(f"searching the questions of {user}...")
            for qa in questions(sample):
                hits = client.search(
                    qa["question"], filters={"user_id": user}, top_k=max(KS), threshold=0
                )
                engram = [(h.get("metadata") or {}).get("dia_id") for h in hits["results"]]
                rows["engram"].append(
                    {"category": qa["category"], **scores(engram, qa["evidence"])}
                )
                for name, weights in (("dense only", (1.0, 0.0)), ("full-text only", (0.0, 1.0))):
                    ranked = ranked_in_process(project, qa["question"], user, weights)
                    rows[name].append(
                        {"category": qa["category"], **scores(ranked, qa["evidence"])}
                    )
    return {name: summarise(values) for name, values in rows.items()}
