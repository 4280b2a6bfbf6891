from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.utils import timezone
from pgvector.django import VectorField

from accounts.models import ApiKey, Project
from memories.text import TEXT_SEARCH_CONFIG, lexical


class EntityType(models.TextChoices):
    USER = "user"
    AGENT = "agent"
    APP = "app"
    RUN = "run"


# The Memory column that holds each entity type's id.
ENTITY_FIELDS = {
    EntityType.USER: "user_id",
    EntityType.AGENT: "agent_id",
    EntityType.APP: "app_id",
    EntityType.RUN: "run_id",
}
# The entity-id fields, in this order everywhere: the Memory and MemoryHistory columns, the
# add call's scope, the filter language's entity keys.
ENTITY_ID_FIELDS = tuple(ENTITY_FIELDS.values())


class Entity(models.Model):
    """A user, agent, app or run that memories are about; upserted when memories are added."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="entities")
    type = models.CharField(max_length=5, choices=EntityType.choices)
    name = models.CharField(max_length=255)
    metadata = models.JSONField(blank=True, null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "type", "name"], name="entity_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.type}:{self.name}"


class MemoryState(models.TextChoices):
    ACTIVE = "active"
    ARCHIVED = "archived"


class Memory(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memories")
    text = models.TextField()
    hash = models.CharField(max_length=32)  # md5 hex of the text, as Mem0 reports it
    # Vectors of any dimension: `embedding_model` names the model that made each one, and each
    # model has its own partial HNSW index (services/vector_indexes.py), so a project can change
    # models while it serves (manage.py reembed).
    embedding = VectorField(null=True)
    embedding_model = models.CharField(max_length=120, blank=True, default="")
    # The messages around this one in the add call that stored it (infer=False), so a reply
    # ("Yes, last Tuesday!") can be found by the question it answers; searched, never shown.
    context = models.TextField(blank=True, default="", db_default="")
    # The text weighs A and the context D; search reads the weights apart (search_lexical.py).
    # Both with their CJK terms (memories/text.py).
    search_vector = models.GeneratedField(
        expression=SearchVector(lexical("text"), config=TEXT_SEARCH_CONFIG, weight="A")
        + SearchVector(lexical("context"), config=TEXT_SEARCH_CONFIG, weight="D"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    user_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001 - null is "unscoped"
    agent_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    app_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    run_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    metadata = models.JSONField(blank=True, null=True)
    categories = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    immutable = models.BooleanField(default=False)
    expiration_date = models.DateField(blank=True, null=True)
    # What the fact is about ("diet", "residence"), set by the offline extractor so a new
    # value of the same subject UPDATEs the memory instead of adding a contradiction.
    subject = models.CharField(max_length=100, blank=True, default="")
    # Where the text came from, set by the add that wrote it (memories/provenance.py):
    # {"event_id", "messages": [index in that add's messages], "excerpt"}; {} when unknown
    # (written before provenance, by hand in the dashboard, or imported).
    source = models.JSONField(blank=True, default=dict, db_default={})  # db_default: COPY
    state = models.CharField(max_length=10, choices=MemoryState.choices, default=MemoryState.ACTIVE)
    replaced_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaces"
    )
    # `timestamp` on add back-dates created_at, so it is not auto_now_add.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    access_count = models.PositiveIntegerField(default=0)
    last_accessed_at = models.DateTimeField(blank=True, null=True)

    class Meta:
        indexes = [
            # Per entity: created_at orders an entity's page straight from the index, and the
            # included state lets the dashboard count an entity's memories index-only.
            *(
                models.Index(
                    fields=["project", field, "created_at"],
                    include=["state"],
                    name=f"memory_project_{field.removesuffix('_id')}",
                )
                for field in ENTITY_ID_FIELDS
            ),
            models.Index(fields=["project", "-created_at"], name="memory_project_created"),
            models.Index(fields=["project", "hash"], name="memory_project_hash"),
            GinIndex(fields=["search_vector"], name="memory_search_vector"),
            GinIndex(fields=["metadata"], name="memory_metadata", opclasses=["jsonb_path_ops"]),
            GinIndex(fields=["categories"], name="memory_categories"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class HistoryEvent(models.TextChoices):
    ADD = "ADD"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


class MemoryHistory(models.Model):
    """Every change of a memory: what it was, what it became, and who did it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    # Deleting a memory erases its history too: deletion means the text is gone.
    memory = models.ForeignKey(Memory, on_delete=models.CASCADE, related_name="history")
    event = models.CharField(max_length=10, choices=HistoryEvent.choices)
    old_memory = models.TextField(null=True, blank=True)  # noqa: DJ001 - null: no previous text
    new_memory = models.TextField(null=True, blank=True)  # noqa: DJ001
    input = models.JSONField(blank=True, null=True)
    user_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    agent_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    app_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    run_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    categories = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    metadata = models.JSONField(blank=True, null=True)
    actor_api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["memory", "created_at"], name="history_memory_created")]

    def __str__(self) -> str:
        return f"{self.event} {self.memory_id}"


class EventStatus(models.TextChoices):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class Event(models.Model):
    """An asynchronous job (an add with inference, a bulk delete...), polled by clients."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, blank=True)
    event_type = models.CharField(max_length=20, default="ADD")
    status = models.CharField(
        max_length=10, choices=EventStatus.choices, default=EventStatus.PENDING
    )
    payload = models.JSONField(default=dict)
    metadata = models.JSONField(blank=True, null=True)
    results = models.JSONField(blank=True, null=True)
    # What the extraction did not turn into memories, and why: [{"message", "excerpt", "reason"}]
    # (message: the index in payload["messages"], or None for a whole-call reason).
    skipped = models.JSONField(blank=True, default=list, db_default=[])
    usage = models.JSONField(blank=True, null=True)  # LLM tokens of this event
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(blank=True, null=True)
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(blank=True, null=True)
    completed_at = models.DateTimeField(blank=True, null=True)

    class Meta:
        indexes = [
            models.Index(fields=["project", "-created_at"], name="event_project_created"),
            models.Index(fields=["status", "lease_expires_at"], name="event_status_lease"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="event_unique_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.status}"


class FeedbackValue(models.TextChoices):
    POSITIVE = "POSITIVE"
    NEGATIVE = "NEGATIVE"
    VERY_NEGATIVE = "VERY_NEGATIVE"


class Feedback(models.Model):
    """The latest feedback on a memory (one per memory; null values clear it)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    memory = models.OneToOneField(Memory, on_delete=models.CASCADE, related_name="feedback")
    feedback = models.CharField(  # noqa: DJ001 - null means "cleared"
        max_length=15, choices=FeedbackValue.choices, null=True, blank=True
    )
    feedback_reason = models.TextField(null=True, blank=True)  # noqa: DJ001
    api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.feedback} on {self.memory_id}"


from memories.models_moderation import AuditLog, Flag, ModerationRule  # noqa: E402, F401
from memories.models_webhooks import Webhook, WebhookDelivery  # noqa: E402, F401
