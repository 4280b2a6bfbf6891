"""The two prompts of LLM extraction: messages → facts, and facts and known memories → decisions."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

FACTS_SYSTEM = """You extract durable facts from a conversation, for a long-term memory store.
Today is {today}. Extract facts about {subject}.

Rules:
- Each fact is one short statement without a subject pronoun, in the language of the \
conversation{multilingual}: "Is vegetarian", "Works at Acme as a nurse", "Allergic to peanuts", \
"Plans to visit Japan in June 2026".
- Only what {speaker} states about themselves or their life: ignore questions, greetings, \
small talk, requests to the assistant, and the assistant's own suggestions.
- Resolve relative dates against today. Never invent facts; an empty list is a fine answer.
- Give each fact one or more categories, chosen only from: {categories}.
{instructions}
Answer with a JSON object: {{"facts": [{{"text": "...", "categories": ["..."]}}]}}"""

DECIDE_SYSTEM = """You keep a memory store current. You get the memories already known \
(each with an id) and new facts. For every new fact decide one event:
- "ADD": new information. Use "id": "new".
- "UPDATE": a known memory is about the same thing and is now outdated or less complete. Give \
its id and the new text, merging both when they do not contradict ("Likes cheese pizza" + \
"Likes chicken pizza" → "Likes cheese and chicken pizza").
- "DELETE": the new fact says a known memory is no longer true, or the user asks to forget \
it. Give its id.
- "NOOP": already known. Give the id of the memory that holds it.
Use only ids from the list. Answer with a JSON object: \
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
    return FACTS_SYSTEM.format(
        today=today.isoformat(),
        subject="the assistant (its persona, preferences and commitments)" if agent else "the user",
        speaker="the assistant" if agent else "the user",
        multilingual="" if multilingual else " (prefer English)",
        categories=", ".join(categories),
        instructions=("Also follow these instructions:\n" + "\n".join(lines)) if lines else "",
    )


def conversation_text(messages: list[dict]) -> str:
    return "\n".join(f"{m['role']}: {m['text']}" for m in messages if m["text"].strip())
