"""Step one of extraction: messages → facts, by the LLM or by the offline extractor."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from memories.extraction.llm import Usage, llm_configured, llm_json
from memories.extraction.prompts import FactsOut, conversation_text, facts_system
from memories.provenance import user_message_indexes


@dataclass(frozen=True)
class ExtractionOptions:
    """The project's settings with the call's overrides applied."""

    categories: list[dict[str, str]]
    custom_instructions: str = ""
    includes: str = ""
    excludes: str = ""
    agent: bool = False  # agent-scoped memories: facts about the assistant
    multilingual: bool = False

    @property
    def category_names(self) -> list[str]:
        return [name for item in self.categories for name in item]


@dataclass(frozen=True)
class NewFact:
    text: str
    categories: tuple[str, ...]
    subject: str = ""  # what the fact is about, from the offline extractor (updates match on it)
    messages: tuple[int, ...] = ()  # provenance: the messages it was read from
    excerpt: str = ""  # and the sentence, where the extractor knows it


@dataclass
class Extracted:
    facts: list[NewFact]
    usage: Usage = field(default_factory=Usage)
    # What became no fact and why, as Event.skipped stores it (the offline extractor says;
    # an LLM does not).
    skipped: list[dict] = field(default_factory=list)


def extract(messages: list[dict], options: ExtractionOptions) -> Extracted:
    """`messages` are normalised (messages.normalized): [{"role", "content"}], content a text."""
    if not llm_configured():
        return _offline(messages, options)
    return _with_llm(messages, options)


def _offline(messages: list[dict], options: ExtractionOptions) -> Extracted:
    from memories.extraction import offline

    reading = offline.read_messages(
        messages,
        categories=options.categories,
        includes=options.includes or None,
        excludes=options.excludes or None,
        custom_instructions=options.custom_instructions or None,
    )
    return Extracted(
        facts=[
            NewFact(f.text, tuple(f.categories), f.subject, (f.message,), f.excerpt)
            for f in reading.facts
        ],
        skipped=[
            {"message": s.message, "excerpt": s.excerpt, "reason": s.reason}
            for s in reading.skipped
        ],
    )


def _with_llm(messages: list[dict], options: ExtractionOptions) -> Extracted:
    instructions = [options.custom_instructions]
    if options.includes:
        instructions.append(f"Only extract facts about: {options.includes}")
    if options.excludes:
        instructions.append(f"Never extract facts about: {options.excludes}")
    system = facts_system(
        agent=options.agent,
        categories=options.category_names,
        multilingual=options.multilingual,
        instructions=instructions,
        today=timezone.now().date(),
    )
    conversation = conversation_text(messages)
    answer, usage = llm_json(system=system, user=conversation, schema=FactsOut)
    allowed = set(options.category_names)
    said = user_message_indexes(messages)  # an LLM does not say which message gave a fact
    facts = []
    for fact in answer.facts:
        categories = tuple(c for c in fact.categories if c in allowed) or _fallback(options)
        facts.append(NewFact(fact.text.strip(), categories, messages=said))
    return Extracted(facts=list({f.text: f for f in facts if f.text}.values()), usage=usage)


def _fallback(options: ExtractionOptions) -> tuple[str, ...]:
    names = options.category_names
    return ("misc",) if "misc" in names else tuple(names[:1])
