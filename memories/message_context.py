"""Adjacent-message context: what surrounded a message in the add call that stored it.

A reply rarely names its subject ("Yes, last Tuesday, it was lovely!"): the question it answers
does. When one verbatim add (infer=False) carries several messages, each memory keeps its
neighbours as `context`; full-text search indexes it with a low weight, and it is never shown.
"""

from __future__ import annotations

# Each neighbour is cut to this many characters: context helps recall, it must not drown the text.
NEIGHBOUR_CHARS = 500


def neighbour_context(texts: list[str]) -> dict[str, str]:
    """{text: "previous message\\nnext message"} for each text of one add call (first
    occurrence of a repeated text); empty for a call of a single message."""
    contexts: dict[str, str] = {}
    for index, text in enumerate(texts):
        if text in contexts:
            continue
        neighbours = [texts[i] for i in (index - 1, index + 1) if 0 <= i < len(texts)]
        contexts[text] = "\n".join(n[:NEIGHBOUR_CHARS] for n in neighbours if n != text)
    return contexts
