"""Chat messages as the SDKs send them, reduced to text."""

from __future__ import annotations


class MessageError(ValueError):
    pass


def message_text(message: dict) -> str:
    """The text of a message; images become "[image] <url>" so they are not lost."""
    content = message.get("content")
    if isinstance(content, list):  # OpenAI-style content parts
        return " ".join(_part_text(part) for part in content).strip()
    return _part_text(content)


def _part_text(part) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, dict) and part.get("type") == "image_url":
        url = (part.get("image_url") or {}).get("url", "")
        return f"[image] {url[:500]}"
    if isinstance(part, dict) and isinstance(part.get("text"), str):
        return part["text"]
    raise MessageError("content must be a string, a text part or an image_url part")


def normalized(messages: list[dict]) -> list[dict]:
    """[{"role", "content"}] with the content as one text: the shape the whole pipeline reads
    (content parts joined, images as "[image] <url>"); unreadable content is skipped."""
    result = []
    for message in messages:
        try:
            result.append({"role": message.get("role", "user"), "content": message_text(message)})
        except MessageError:
            continue
    return result
