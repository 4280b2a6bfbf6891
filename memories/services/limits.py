"""The size rules of what a memory holds, checked by every service that writes one.

The numbers are settings (MEMORY_TEXT_MAX_CHARS, MEMORY_METADATA_MAX_CHARS), read at call time
so an operator's change applies without touching code. Lengths count characters, not bytes:
"我喜欢印度菜" is 6, as a user counts it.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext as _

from config.errors import DomainError


class MemoryTooLarge(DomainError):
    """A memory's text or metadata is over its limit; the message names both numbers."""


def memory_text_check(text: str, *, name: str = "text") -> None:
    limit = settings.MEMORY_TEXT_MAX_CHARS
    if len(text) > limit:
        raise MemoryTooLarge(
            _("%(name)s: %(size)s characters, over the limit of %(limit)s characters per memory.")
            % {"name": name, "size": f"{len(text):,}", "limit": f"{limit:,}"}
        )


def memory_metadata_check(metadata: dict | None, *, name: str = "metadata") -> None:
    if not metadata:
        return
    limit = settings.MEMORY_METADATA_MAX_CHARS
    size = len(json.dumps(metadata, ensure_ascii=False, separators=(",", ":")))
    if size > limit:
        raise MemoryTooLarge(
            _(
                "%(name)s: %(size)s characters of JSON, over the limit of %(limit)s characters "
                "per memory."
            )
            % {"name": name, "size": f"{size:,}", "limit": f"{limit:,}"}
        )


def memory_text_fits(text: str) -> bool:
    return len(text) <= settings.MEMORY_TEXT_MAX_CHARS


def history_input(messages: list | None) -> list:
    """The conversation a history row keeps, at most MEMORY_HISTORY_INPUT_MAX_CHARS characters
    of message content in all: a 5 MB add would otherwise be copied into the row of every
    memory it touched. A cut says how much it left out, and messages past the budget are
    replaced by one note that counts them, so the row never pretends to be whole."""
    budget, kept = settings.MEMORY_HISTORY_INPUT_MAX_CHARS, []
    for index, message in enumerate(messages or []):
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str) or len(content) <= budget:
            kept.append(message)
            budget -= len(content) if isinstance(content, str) else 0
            continue
        cut = len(content) - budget
        kept.append({**message, "content": f"{content[:budget]} … [{cut:,} characters not kept]"})
        left = len(messages) - index - 1
        if left:
            kept.append({"role": "system", "content": f"[{left:,} more messages not kept]"})
        break
    return kept
