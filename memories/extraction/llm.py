"""The LLM boundary: one JSON-mode chat call through the `openai` SDK, validated with pydantic.

Any OpenAI-compatible endpoint works (OpenAI, Azure, Ollama, vLLM, llama.cpp, LM Studio, Groq…).
A malformed answer is retried once with the validation error shown to the model; a second one
is a permanent failure with a readable message. Timeouts, rate limits, 5xx and connection
errors are transient: the caller's task retries them with backoff.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from pydantic import BaseModel, ValidationError

Schema = TypeVar("Schema", bound=BaseModel)
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)
MAX_REPLY_CHARS = 200_000


class LLMError(Exception):
    """A permanent failure (bad credentials, refused request, garbage twice)."""


class LLMUnavailable(LLMError):
    """A transient failure worth retrying later (timeout, 429, 5xx, connection)."""


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens

    def as_dict(self) -> dict:
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens}


def llm_configured() -> bool:
    return bool(settings.LLM_MODEL and (settings.LLM_BASE_URL or settings.LLM_API_KEY))


def llm_status() -> dict:
    if not llm_configured():
        return {"extractor": "offline", "detail": "built-in rule-based extractor (no LLM set)"}
    return {"extractor": "llm", "model": settings.LLM_MODEL, "base_url": settings.LLM_BASE_URL}


@functools.cache
def _client(base_url: str, api_key: str, timeout: int, max_retries: int):
    from openai import OpenAI  # heavy: imported on first use only

    return OpenAI(
        base_url=base_url or None,
        api_key=api_key or "not-needed",  # local servers (Ollama, llama.cpp) ignore the key
        timeout=timeout,
        max_retries=max_retries,
    )


def llm_json(*, system: str, user: str, schema: type[Schema]) -> tuple[Schema, Usage]:
    """Ask for a JSON object matching `schema`; one corrective retry on malformed output."""
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    usage = Usage()
    for attempt in (1, 2):
        content, call_usage = _chat(messages)
        usage.add(call_usage)
        try:
            return schema.model_validate_json(_unfence(content)), usage
        except ValidationError as exc:
            problem = _short(exc)
            if attempt == 2:
                raise LLMError(f"the LLM answered malformed JSON twice ({problem})") from exc
            messages += [
                {"role": "assistant", "content": content[:4000]},
                {
                    "role": "user",
                    "content": f"That was not valid JSON for the schema: {problem}. "
                    "Answer again with only the JSON object.",
                },
            ]
    raise AssertionError("unreachable")


def _chat(messages: list[dict]) -> tuple[str, Usage]:
    import openai

    client = _client(
        settings.LLM_BASE_URL, settings.LLM_API_KEY, settings.LLM_TIMEOUT, settings.LLM_MAX_RETRIES
    )
    try:
        response = client.chat.completions.create(
            model=settings.LLM_MODEL,
            messages=messages,
            temperature=0,
            response_format={"type": "json_object"},
        )
    except (openai.APITimeoutError, openai.APIConnectionError, openai.RateLimitError) as exc:
        raise LLMUnavailable(f"the LLM is unreachable or busy: {exc}") from exc
    except openai.InternalServerError as exc:
        raise LLMUnavailable(f"the LLM server failed: {exc}") from exc
    except openai.APIStatusError as exc:
        raise LLMError(f"the LLM refused the request ({exc.status_code}): {exc.message}") from exc
    content = (response.choices[0].message.content or "") if response.choices else ""
    usage = response.usage
    return content[:MAX_REPLY_CHARS], Usage(
        prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
        completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
    )


def _unfence(content: str) -> str:
    """Some models wrap JSON in a Markdown fence even in JSON mode."""
    match = _FENCE.match(content)
    return match.group(1) if match else content


def _short(exc: ValidationError) -> str:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ())) or "the answer"
    return f"{where}: {first.get('msg', 'invalid')}"[:300]


def as_json(value) -> str:
    return json.dumps(value, ensure_ascii=False)
