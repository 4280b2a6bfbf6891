"""The two prompts of LLM extraction: messages → facts, and facts and known memories → decisions."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

FACTS_SYSTEM = """You extract durable facts from a conversation, for a long-term memory store.
Today is {today}. Extract facts about {subject}.

Rules:
- Each fact is one short statement without a subject pronoun: "Is vegetarian", "对奶酪过敏", \
"Plans to visit Japan in June 2026", "在Acme当护士".
- {language} Never translate a fact.
- Only what {speaker} states about themselves or their life: ignore questions, greetings, \
small talk, requests to the assistant, and the assistant's own suggestions.
- Resolve relative dates against today. Never invent facts; an empty list is a fine answer.
- Give each fact one or more categories, chosen only from: {categories}.
{instructions}
Answer with a JSON object: {{"facts": [{{"text": "...", "categories": ["..."]}}]}}"""

# Which language a fact is written in. The default follows Mem0's own prompt ("detect the
# language of the user input and record the facts in the same language"): a Chinese
# conversation gives Chinese facts. `multilingual` (Mem0's "use the input language for memory
# storage and retrieval") goes further, down to each message of a mixed-language conversation.
LANGUAGE = {
    False: "Write every fact in the language of the conversation, the one {speaker} writes in: "
    "a conversation in Chinese gives facts in Chinese, one in English facts in English. When "
    "{speaker} mixes languages, write all the facts in the language {speaker} uses most.",
    True: "Write each fact in the language of the message it comes from, even when the "
    "conversation mixes languages: what {speaker} says in Chinese gives a fact in Chinese, what "
    "{speaker} says in English a fact in English.",
}

DECIDE_SYSTEM = """You keep a memory store current. You get the memories already known \
(each with an id) and new facts. For every new fact decide one event:
- "ADD": new information. Use "id": "new".
- "UPDATE": a known memory is about the same thing and is now outdated or less complete. Give \
its id and the new text, merging both when they do not contradict ("Likes cheese pizza" + \
"Likes chicken pizza" → "Likes cheese and chicken pizza"), in the language of the known memory \
("喜欢奶酪披萨" + "喜欢鸡肉披萨" → "喜欢奶酪和鸡肉披萨").
- "DELETE": the new fact says a known memory is no longer true, or the user asks to forget \
it. Give its id.
- "NOOP": already known. Give the id of the memory that holds it.
Never translate a text: an ADD keeps the new fact as written. Use only ids from the list. \
Answer with a JSON object: \
{"memory": [{"id": "...", "text": "...", "event": "ADD|UPDATE|DELETE|NOOP"}]}"""


class FactOut(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
    categories: list[str] = Field(default_factory=list, max_length=20)


class FactsOut(BaseModel):
    facts: list[FactOut] = Field(default_factory=list, max_length=200)


class DecisionOut(BaseModel):
    id: str = "new"
    text: str = Field(default="", max_length=2000)
    event: Literal["ADD", "UPDATE", "DELETE", "NOOP"]


class DecisionsOut(BaseModel):
    memory: list[DecisionOut] = Field(default_factory=list, max_length=400)


def facts_system(
    *,
    agent: bool,
    categories: list[str],
    multilingual: bool,
    instructions: list[str],
    today: date,
) -> str:
    lines = [f"- {line.strip()}" for line in instructions if line and line.strip()]
    speaker = "the assistant" if agent else "the user"
    return FACTS_SYSTEM.format(
        today=today.isoformat(),
        subject="the assistant (its persona, preferences and commitments)" if agent else "the user",
        speaker=speaker,
        language=LANGUAGE[multilingual].format(speaker=speaker),
        categories=", ".join(categories),
        instructions=("Also follow these instructions:\n" + "\n".join(lines)) if lines else "",
    )


def conversation_text(messages: list[dict]) -> str:
    return "\n".join(f"{m['role']}: {m['content']}" for m in messages if m["content"].strip())
