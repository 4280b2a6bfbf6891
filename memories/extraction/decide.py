"""Step two of extraction: new facts against what the scope knows → ADD, UPDATE, DELETE, NOOP.

With an LLM, the second prompt decides. Offline, similarity thresholds do: a near-duplicate is
NOOP, a fact about the same subject with a new value is an UPDATE, and "forget …" DELETEs the
memory it names.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from memories import embeddings
from memories.extraction.facts import NewFact
from memories.extraction.llm import Usage, as_json, llm_configured, llm_json
from memories.extraction.prompts import DECIDE_SYSTEM, DecisionsOut

_FORGET = re.compile(
    r"\b(?:please\s+)?(?:forget|delete|erase|remove)\s+(?:that\s+|about\s+|the\s+fact\s+that\s+)?"
    r"(?P<what>[^.!?\n]{3,200})",
    re.IGNORECASE,
)
# 请忘记我住在北京 / 忘掉我对猫过敏这件事 / 删除关于我工作的记忆
_FORGET_ZH = re.compile(
    r"(?:请|麻烦你?)?(?:帮我)?(?:忘记|忘掉|删除|删掉)(?:掉)?(?:关于)?"
    r"(?P<what>[^。！？!?\n]{2,200}?)(?:这件事|的记忆|这条记忆)?(?=$|[。！？!?\n])"  # noqa: RUF001
)


@dataclass(frozen=True)
class Known:
    """A memory of the scope close to a new fact."""

    id: uuid.UUID
    text: str
    subject: str
    immutable: bool
    similarity: float


@dataclass
class Decision:
    event: str  # ADD, UPDATE, DELETE or NOOP
    text: str
    fact: NewFact | None = None
    target: Known | None = None


def forget_requests(messages: list[dict]) -> list[str]:
    """What the user asked to forget, in their words ("forget that I live in Paris")."""
    return [
        match.group("what").strip()
        for message in messages
        if message["role"] == "user"
        for pattern in (_FORGET, _FORGET_ZH)
        for match in pattern.finditer(message["content"])
    ]


def decide(
    facts: list[NewFact],
    known: list[list[Known]],
    forgets: list[list[Known]],
    forget_texts: list[str],
) -> tuple[list[Decision], Usage]:
    """`known[i]` are the memories closest to `facts[i]`; `forgets[j]` those closest to
    `forget_texts[j]`, what the user asked to forget."""
    if llm_configured() and (facts or forgets):
        return _with_llm(facts, known, forgets, forget_texts)
    decisions = [_offline(fact, close) for fact, close in zip(facts, known, strict=True)]
    decisions += [_forget(close) for close in forgets]
    return [d for d in decisions if d is not None], Usage()


def _offline(fact: NewFact, close: list[Known]) -> Decision:
    duplicate, _ = embeddings.decision_cosines()
    for memory in close:
        if memory.similarity >= duplicate or memory.text.lower() == fact.text.lower():
            return Decision("NOOP", memory.text, fact, memory)
    for memory in close:
        if fact.subject and memory.subject == fact.subject and not memory.immutable:
            return Decision("UPDATE", fact.text, fact, memory)
    return Decision("ADD", fact.text, fact)


def _forget(close: list[Known]) -> Decision | None:
    _, forget = embeddings.decision_cosines()
    best = max(close, key=lambda memory: memory.similarity, default=None)
    if best is None or best.similarity < forget or best.immutable:
        return None
    return Decision("DELETE", best.text, None, best)


def _with_llm(facts, known, forgets, forget_texts) -> tuple[list[Decision], Usage]:
    memories = {m.id: m for close in [*known, *forgets] for m in close}
    short_ids = {str(index): memory for index, memory in enumerate(memories.values())}
    listed = [{"id": key, "text": memory.text} for key, memory in short_ids.items()]
    new_facts = [fact.text for fact in facts] + [f"Forget: {text}" for text in forget_texts]
    user = as_json({"existing": listed, "new_facts": new_facts})
    answer, usage = llm_json(system=DECIDE_SYSTEM, user=user, schema=DecisionsOut)
    by_text = {fact.text: fact for fact in facts}
    decisions = []
    for item in answer.memory:
        target = short_ids.get(item.id)
        decision = _checked(item.event, item.text.strip(), by_text.get(item.text.strip()), target)
        if decision:
            decisions.append(decision)
    return decisions, usage


def _checked(event: str, text: str, fact: NewFact | None, target: Known | None) -> Decision | None:
    """Guard against a model's slips: unknown ids, empty texts, immutable targets."""
    if event in {"UPDATE", "DELETE", "NOOP"} and target is None:
        event = "ADD" if event == "UPDATE" and text else None
    if event in {"UPDATE", "DELETE"} and target.immutable:
        event = "ADD" if event == "UPDATE" else None
    if event in {"ADD", "UPDATE"} and not text:
        return None
    if event is None:
        return None
    return Decision(event, text or (target.text if target else ""), fact, target)
