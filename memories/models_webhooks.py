"""Webhooks of a project and the log of their deliveries (API-CONTRACT §5.17)."""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import ApiKey, Project, public_id
from memories.webhooks.signing import secret_generate


class WebhookEventType(models.TextChoices):
    MEMORY_ADD = "memory_add", gettext_lazy("Memory Add")
    MEMORY_UPDATE = "memory_update", gettext_lazy("Memory Update")
    MEMORY_DELETE = "memory_delete", gettext_lazy("Memory Delete")
    MEMORY_CATEGORIZE = "memory_categorize", gettext_lazy("Memory Categorize")
    INGEST_JOB_COMPLETED = "ingest_job_completed", gettext_lazy("Ingest Job Completed")
    INGEST_JOB_PARTIALLY_COMPLETED = (
        "ingest_job_partially_completed",
        gettext_lazy("Ingest Job Partially Completed"),
    )
    INGEST_JOB_FAILED = "ingest_job_failed", gettext_lazy("Ingest Job Failed")
    INGEST_JOB_CANCELLED = "ingest_job_cancelled", gettext_lazy("Ingest Job Cancelled")


def new_webhook_id() -> str:
    return public_id("wh_")


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


class Webhook(models.Model):
    webhook_id = models.CharField(
        max_length=40, unique=True, default=new_webhook_id, editable=False
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="webhooks")
    name = models.CharField(max_length=200)
    url = models.CharField(max_length=2000)
    event_types = ArrayField(models.CharField(max_length=40), default=list)
    is_active = models.BooleanField(default=True)
    # Needed in clear to sign; the API shows it once, in the create response.
    secret = models.CharField(max_length=100, default=secret_generate, editable=False)
    created_by = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["project", "created_at"], name="webhook_project_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.webhook_id})"


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class WebhookDelivery(models.Model):
    """One event for one webhook; `attempts` counts the POSTs made (or refused) so far."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    # The Standard Webhooks `webhook-id`: the same on every attempt, for receivers to dedupe.
    message_id = models.CharField(
        max_length=40, unique=True, default=new_message_id, editable=False
    )
    event_type = models.CharField(max_length=40, choices=WebhookEventType.choices)
    # Deliveries with the same key reach the receiver in creation (id) order.
    memory_id = models.CharField(max_length=64, blank=True, default="")
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=WebhookDeliveryStatus.choices, default=WebhookDeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Set while an attempt is in flight; a worker that dies leaves it to expire.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["webhook", "-created_at"], name="webhook_delivery_log"),
            models.Index(
                fields=["webhook", "memory_id", "id"],
                condition=models.Q(status="PENDING"),
                name="webhook_delivery_pending",
            ),
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="PENDING"),
                name="webhook_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id} {self.status}"
