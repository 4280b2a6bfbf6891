"""An add call, as the add service takes it and as a PENDING add event keeps it for the worker.

The API validates the body once into an `AddRequest` (real dates, the scope resolved). An
inferred add crosses into the worker through its Event's payload, which must be JSON:
`to_payload` is the one place that writes it and `from_payload` the one place that reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from memories.messages import normalized
from memories.models import ENTITY_ID_FIELDS

# The project's extraction settings an add call may override for itself.
OVERRIDES = (
    "custom_instructions",
    "agent_custom_instructions",
    "custom_categories",
    "includes",
    "excludes",
)


@dataclass
class AddRequest:
    messages: list[dict]  # validated {role, content}, as sent: history and the event keep them
    scope: dict[str, str | None]  # every entity-id field, None where the call gave none
    metadata: dict | None = None
    infer: bool = True
    async_mode: bool = True
    immutable: bool = False
    expiration_date: date | None = None
    created_at: datetime | None = None  # the call's `timestamp`: back-dates what it stores
    custom_instructions: str | None = None
    agent_custom_instructions: str | None = None
    custom_categories: list[dict] | None = None
    includes: str | None = None
    excludes: str | None = None
    idempotency_key: str = ""
    # The body as sent (less org_id and project_id): the event keeps it as its payload, which
    # the event API and the dashboard show.
    sent: dict = field(default_factory=dict)

    @property
    def texts(self) -> list[str]:
        """What a verbatim add stores: the text of each user or assistant message."""
        chat = normalized(self.messages)
        return [m["content"] for m in chat if m["role"] != "system" and m["content"].strip()]

    def to_payload(self) -> dict:
        """The PENDING event's payload: the body as sent, with the fields the worker reads in
        the form `from_payload` parses (the dates as an ISO day and Unix seconds)."""
        payload = {**self.sent, "messages": self.messages}
        payload.update((name, value) for name, value in self.scope.items() if value)
        for name in ("metadata", *OVERRIDES):
            if getattr(self, name) is not None:
                payload[name] = getattr(self, name)
        if self.immutable or "immutable" in payload:  # as parsed: "false" is false
            payload["immutable"] = self.immutable
        expiration, created = self.expiration_date, self.created_at
        payload["expiration_date"] = expiration.isoformat() if expiration else None
        payload["timestamp"] = created.timestamp() if created else None
        return payload

    @classmethod
    def from_payload(cls, payload: dict) -> AddRequest:
        """The inferred add an event holds (what `to_payload` wrote)."""
        expiration, stamp = payload.get("expiration_date"), payload.get("timestamp")
        return cls(
            messages=payload.get("messages") or [],
            scope={name: payload.get(name) for name in ENTITY_ID_FIELDS},
            metadata=payload.get("metadata"),
            immutable=bool(payload.get("immutable")),
            expiration_date=date.fromisoformat(expiration) if expiration else None,
            created_at=datetime.fromtimestamp(stamp, tz=UTC) if stamp is not None else None,
            **{name: payload.get(name) for name in OVERRIDES},
            sent=payload,
        )
