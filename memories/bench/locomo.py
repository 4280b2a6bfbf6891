"""`manage.py bench locomo`: evidence recall of search on the LoCoMo dialogues.

One memory per dialog turn ("Speaker: text", plus the image caption), added through the real
SDK with infer=False one session per call — as a chat app sends a conversation, so each memory
keeps its neighbouring turns as search context — with the session date in metadata and as its
timestamp; one user per conversation. A memory is mapped back to its turn's dia_id by its text
(a text said twice is stored once, under its first turn). Each question of categories 1-4 is
the query; a question scores the share of its evidence turns found in the top k. Rows: Engram's
search through the SDK, the same with rerank=true, and two fixed baselines computed in process
(selectors/search_baselines.py): cosine of the text embeddings, and ts_rank_cd on the text.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from memories.bench.search import _client, bench_key, live_server
from memories.models import Memory
from memories.selectors.search_baselines import memory_rank_dense, memory_rank_full_text
from memories.selectors.where import Selection, selection_where

CATEGORIES = (1, 2, 3, 4)
KS = (5, 10, 20)
_DIA = re.compile(r"D(\d+):(\d+)")


def session_time(text: str) -> datetime:
    """ "1:56 pm on 8 May, 2023" → a datetime (UTC: LoCoMo gives no zone)."""
    return datetime.strptime(text.strip(), "%I:%M %p on %d %B, %Y").replace(tzinfo=UTC)


def sessions(sample: dict):
    """(session datetime, [(dia_id, memory text), ...]) for every session of a conversation."""
    conversation = sample["conversation"]
    for key, value in conversation.items():
        if not (key.startswith("session_") and isinstance(value, list)):
            continue
        when = session_time(conversation[f"{key}_date_time"])
        yield when, [(turn["dia_id"], turn_text(turn)) for turn in value]


def turn_text(turn: dict) -> str:
    text = f"{turn['speaker']}: {turn['text']}"
    if turn.get("blip_caption"):
        text += f" [image: {turn['blip_caption']}]"
    return text


def turns(sample: dict):
    """(dia_id, memory text, session datetime) for every turn of a conversation."""
    for when, session in sessions(sample):
        for dia_id, text in session:
            yield dia_id, text, when


def dia_ids_by_text(sample: dict) -> dict[str, str]:
    """Memory text -> the dia_id of the first turn that said it (the one stored)."""
    found: dict[str, str] = {}
    for dia_id, text, _ in turns(sample):
        found.setdefault(text, dia_id)
    return found


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
    for index, (when, session) in enumerate(sessions(sample), 1):
        client.add(
            [{"role": "user", "content": text} for _, text in session],
            user_id=user,
            infer=False,
            metadata={"session_date": when.date().isoformat()},
            timestamp=int(when.timestamp()),
        )
        if index % 10 == 0:
            progress(f"  {sample['sample_id']}: {index} sessions added")


def scores(ranked: list[str], evidence: set[str]) -> dict:
    result = {f"recall@{k}": len(evidence & set(ranked[:k])) / len(evidence) for k in KS}
    result["hit@10"] = float(bool(evidence & set(ranked[:10])))
    first = next((i for i, dia in enumerate(ranked, 1) if dia in evidence), None)
    result["mrr"] = 1 / first if first else 0.0
    return result


BASELINES = {"dense only": memory_rank_dense, "full-text only": memory_rank_full_text}


def ranked_baseline(name: str, project, query: str, user: str, dia_ids: dict) -> list[str]:
    where, _ = selection_where(Selection(filters={"user_id": user}))
    ranked = BASELINES[name](project=project, query=query, where=where, limit=max(KS))
    return [dia_ids.get(memory.text) for memory in ranked]


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
    project, key = bench_key("bench-locomo")
    rows: dict[str, list[dict]] = defaultdict(list)
    with live_server(progress) as url:
        client = _client(url, key)
        for sample in samples:
            user = sample["sample_id"]
            dia_ids = dia_ids_by_text(sample)
            if not Memory.objects.filter(project=project, user_id=user).exists():
                progress(f"adding the sessions of {user} through the SDK...")
                ingest(client, sample, user, progress)
            progress(f"searching the questions of {user}...")
            for qa in questions(sample):
                for name, rerank in (("engram", False), ("engram + rerank", True)):
                    hits = client.search(
                        qa["question"],
                        filters={"user_id": user},
                        top_k=max(KS),
                        threshold=0,
                        rerank=rerank,
                    )
                    ranked = [dia_ids.get(hit["memory"]) for hit in hits["results"]]
                    rows[name].append(
                        {"category": qa["category"], **scores(ranked, qa["evidence"])}
                    )
                for name in BASELINES:
                    ranked = ranked_baseline(name, project, qa["question"], user, dia_ids)
                    rows[name].append(
                        {"category": qa["category"], **scores(ranked, qa["evidence"])}
                    )
    return {name: summarise(values) for name, values in rows.items()}
