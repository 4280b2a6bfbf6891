"""Where a memory came from: the add (event), the message(s) in it and the words said.

Every add writes its memories' `source`, so a person reading a memory can see the message
behind it (the dashboard's "From this message") and a benchmark can score extraction by the
turns its memories came from. An UPDATE takes the source of the message that changed it; the
history keeps the earlier texts.
"""

from __future__ import annotations

EXCERPT_CHARS = 300


def source_of(event_id, messages: tuple[int, ...] | list[int], excerpt: str) -> dict:
    """A memory's `source`: JSON that the API returns as it is."""
    return {
        "event_id": str(event_id) if event_id else None,
        "messages": sorted(set(messages)),
        "excerpt": excerpt[:EXCERPT_CHARS],
    }


def user_message_indexes(messages: list[dict]) -> tuple[int, ...]:
    """The user's messages, for facts whose message is not known (an LLM's)."""
    return tuple(
        i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "user"
    )
