"""Write-time moderation: match memory texts against the rules, open flags on matches.

Called inside the writer's transaction on every add and text change, so it must be cheap:
the active rules are loaded once every RULES_TTL seconds per process and compiled once, and
nothing touches the database when no rule matches. This module imports nothing from the other
memory services (they import it).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from memories.models import FeedbackValue, Memory
from memories.models_moderation import (
    Flag,
    FlagSource,
    FlagStatus,
    ModerationRule,
    RuleKind,
    RuleValidator,
)

# Rule changes reach other processes within this many seconds (this one at once).
RULES_TTL = 5.0
NEGATIVE_FEEDBACK = frozenset({FeedbackValue.NEGATIVE, FeedbackValue.VERY_NEGATIVE})


def luhn_valid(digits: str) -> bool:
    """The card-number checksum; all-same digits (0000 0000 ...) pass Luhn but are no card."""
    if not 13 <= len(digits) <= 19 or len(set(digits)) == 1:
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        n = int(char) * (2 if position % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def iban_valid(text: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters to 10..35, mod 97 == 1."""
    if not 15 <= len(text) <= 34:
        return False
    rearranged = text[4:] + text[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


VALIDATORS: dict[str, Callable[[str], bool]] = {
    RuleValidator.LUHN: lambda match: luhn_valid(re.sub(r"\D", "", match)),
    RuleValidator.IBAN: lambda match: iban_valid(match.replace(" ", "").upper()),
}


def blocked_words(pattern: str) -> list[str]:
    return [word.strip() for word in re.split(r"[\n,]", pattern) if word.strip()]


def rule_compile(*, kind: str, pattern: str) -> re.Pattern | None:
    """The rule's regex (None: matches nothing); raises re.error on a bad REGEX pattern."""
    if kind == RuleKind.BLOCKED_WORDS:
        words = blocked_words(pattern)
        if not words:
            return None
        alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    return re.compile(pattern) if pattern else None


@dataclass(frozen=True)
class CompiledRule:
    name: str
    regex: re.Pattern
    validator: Callable[[str], bool] | None

    def matches(self, text: str) -> bool:
        if self.validator is None:
            return self.regex.search(text) is not None
        return any(self.validator(m.group(0)) for m in self.regex.finditer(text))


_cache: tuple[float, list[CompiledRule]] | None = None


def rules_cache_clear() -> None:
    global _cache
    _cache = None


def active_rules() -> list[CompiledRule]:
    """The active rules, compiled; one query every RULES_TTL seconds per process."""
    global _cache
    now = time.monotonic()
    if _cache is not None and _cache[0] > now:
        return _cache[1]
    compiled = []
    for rule in ModerationRule.objects.filter(active=True).order_by("name"):
        try:
            regex = rule_compile(kind=rule.kind, pattern=rule.pattern)
        except re.error:
            continue  # saved before validation existed, or edited in the admin: skip, not crash
        if regex is not None:
            compiled.append(CompiledRule(rule.name, regex, VALIDATORS.get(rule.validator)))
    _cache = (now + RULES_TTL, compiled)
    return compiled


def text_rule_matches(text: str) -> list[str]:
    """Names of the active rules the text matches."""
    return [rule.name for rule in active_rules() if rule.matches(text)]


def memories_flags_check(*, memories: Iterable[Memory]) -> list[Flag]:
    """Open a RULE flag on each memory whose text matches a rule (in the caller's transaction).

    A memory that already has an open RULE flag gets no second one: staff see its current
    text in the queue anyway.
    """
    matched = {m.pk: (m, names) for m in memories if (names := text_rule_matches(m.text))}
    if not matched:
        return []
    already = set(
        Flag.objects.filter(
            memory_id__in=matched, source=FlagSource.RULE, status=FlagStatus.OPEN
        ).values_list("memory_id", flat=True)
    )
    return Flag.objects.bulk_create(
        Flag(
            project_id=memory.project_id,
            memory=memory,
            memory_text=memory.text,
            source=FlagSource.RULE,
            reason="Matched rule: " + ", ".join(names),
        )
        for pk, (memory, names) in matched.items()
        if pk not in already
    )


def memory_flags_check(*, memory: Memory) -> Flag | None:
    flags = memories_flags_check(memories=[memory])
    return flags[0] if flags else None


def feedback_flag_open(*, memory: Memory, feedback: str | None, comment: str | None) -> Flag | None:
    """NEGATIVE / VERY_NEGATIVE feedback opens a flag, unless one from feedback is open."""
    if feedback not in NEGATIVE_FEEDBACK:
        return None
    if Flag.objects.filter(
        memory=memory, source=FlagSource.FEEDBACK, status=FlagStatus.OPEN
    ).exists():
        return None
    reason = f"{feedback}: {comment}" if comment else str(feedback)
    return Flag.objects.create(
        project_id=memory.project_id,
        memory=memory,
        memory_text=memory.text,
        source=FlagSource.FEEDBACK,
        reason=reason[:1000],
    )
