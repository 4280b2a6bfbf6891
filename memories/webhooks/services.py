"""Webhook writes: CRUD, queueing events, and delivering them (Standard Webhooks signatures).

Ordering: deliveries of one webhook that share a `memory_id` are sent in creation order. A
delivery waits (without spending an attempt) while an older delivery of the same memory is
still PENDING; an older one that ends FAILED no longer holds the newer ones back.
"""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiKey, Project
from config.enqueue import enqueue_on_commit
from config.errors import DomainError
from memories.models_webhooks import (
    Webhook,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEventType,
)
from memories.webhooks import selectors, signing, ssrf
from memories.webhooks.tasks import webhook_deliver_task

logger = logging.getLogger(__name__)

USER_AGENT = "Engram-Webhooks/1"
# Retries stay under the broker's visibility_timeout (3600 s), which would redeliver later ETAs.
RETRY_MAX_SECONDS = 1800
# How long after its due time a PENDING delivery counts as lost by the queue.
REQUEUE_AFTER = timedelta(minutes=5)
UPDATABLE_FIELDS = ("name", "url", "event_types", "is_active")


def _setting(name: str, default):
    return getattr(settings, name, default)


# --- CRUD ------------------------------------------------------------------------------------


@transaction.atomic
def webhook_create(
    *,
    project: Project,
    name: str,
    url: str,
    event_types: list[str],
    is_active: bool = True,
    created_by: ApiKey | None = None,
) -> Webhook:
    """A new webhook with a fresh secret; refuses URLs that are not public (ssrf.py)."""
    ssrf.webhook_target(url)
    return Webhook.objects.create(
        project=project,
        name=name,
        url=url,
        event_types=_event_types(event_types),
        is_active=is_active,
        created_by=created_by,
    )


@transaction.atomic
def webhook_update(*, webhook: Webhook, changes: dict) -> Webhook:
    """Apply any of name, url, event_types, is_active; other keys are ignored."""
    changes = {key: value for key, value in changes.items() if key in UPDATABLE_FIELDS}
    if not changes:
        return webhook
    if "url" in changes:
        ssrf.webhook_target(changes["url"])
    if "event_types" in changes:
        changes["event_types"] = _event_types(changes["event_types"])
    for field, value in changes.items():
        setattr(webhook, field, value)
    webhook.save(update_fields=[*changes, "updated_at"])
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook) -> None:
    webhook.delete()  # its deliveries go too; their queued tasks find nothing and stop


@transaction.atomic
def webhook_secret_rotate(*, webhook: Webhook) -> Webhook:
    """A fresh signing secret; deliveries sign with it from their next attempt on."""
    webhook.secret = signing.secret_generate()
    webhook.save(update_fields=["secret", "updated_at"])
    return webhook


def _event_types(values: list[str]) -> list[str]:
    allowed = WebhookEventType.values
    for value in values:
        if value not in allowed:
            raise DomainError(
                _("Unknown event type %(value)s: use one of %(allowed)s.")
                % {"value": repr(value), "allowed": ", ".join(allowed)}
            )
    if not values:
        raise DomainError(_("event_types: give at least one event type."))
    return list(dict.fromkeys(values))


# --- Events ----------------------------------------------------------------------------------


def webhook_memory_event(*, memory_id: object, memory: str, event: str) -> dict:
    """The body of memory_add / memory_update / memory_delete (event ADD, UPDATE, DELETE)."""
    return {"event_details": {"id": str(memory_id), "data": {"memory": memory}, "event": event}}


def webhook_categorize_event(*, memory_id: object, categories: list[str]) -> dict:
    """The body of memory_categorize."""
    return {
        "event_details": {
            "event": "CATEGORIZE",
            "memory_id": str(memory_id),
            "categories": list(categories),
        }
    }


def webhooks_notify(*, project: Project, event_type: str, payloads: list[dict]) -> None:
    """Queue one delivery per payload for every active webhook of `project` subscribed to
    `event_type`. Payloads are whole bodies (see webhook_memory_event and
    webhook_categorize_event), kept in the given order; tasks are enqueued on commit."""
    if event_type not in WebhookEventType.values:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    webhooks = list(selectors.webhooks_subscribed(project=project, event_type=event_type))
    if not webhooks or not payloads:
        return  # the common case, on every add: no savepoint round trips for nothing
    bodies = [json.loads(json.dumps(payload, cls=DjangoJSONEncoder)) for payload in payloads]
    with transaction.atomic():
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(
                webhook=webhook, event_type=event_type, memory_id=_memory_key(body), payload=body
            )
            for webhook in webhooks
            for body in bodies
        )
        for delivery in deliveries:
            enqueue_on_commit(webhook_deliver_task, delivery.pk)


TEST_EVENT = "test"


@transaction.atomic
def webhook_test_send(*, webhook: Webhook) -> WebhookDelivery:
    """Queue a `test` delivery to this one webhook (whatever it subscribes to), sent by the
    normal delivery task. Refuses now what the delivery would refuse: an inactive webhook
    (DomainError) and a URL that is not public (WebhookUrlRefused)."""
    if not webhook.is_active:
        raise DomainError(_("The webhook is inactive: activate it to send a test event."))
    ssrf.webhook_target(webhook.url)
    delivery = WebhookDelivery.objects.create(
        webhook=webhook,
        event_type=TEST_EVENT,
        payload={
            "event_details": {
                "event": "TEST",
                "webhook_id": webhook.webhook_id,
                "data": {"message": "A test event sent from the Engram dashboard."},
            }
        },
    )
    enqueue_on_commit(webhook_deliver_task, delivery.pk)
    return delivery


def _memory_key(body: dict) -> str:
    details = body.get("event_details") if isinstance(body, dict) else None
    if not isinstance(details, dict):
        return ""
    return str(details.get("id") or details.get("memory_id") or "")[:64]


# --- Delivery --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    code: int | None
    error: str = ""
    final: bool = False  # no point retrying (refused address, disabled webhook)

    @property
    def succeeded(self) -> bool:
        return self.code is not None and 200 <= self.code < 300


def webhook_deliver(*, delivery_id: int) -> float | None:
    """Make the next attempt of a delivery if it is due. Returns the seconds after which to
    call again (a retry, or waiting for an older delivery), or None when nothing is left to do.

    Safe to repeat and to run concurrently: an attempt is claimed with a conditional UPDATE,
    and a SUCCEEDED or FAILED delivery is never sent again. Deliberately not atomic: no
    transaction stays open during the HTTP request.
    """
    delivery = selectors.webhook_delivery_get(delivery_id=delivery_id)
    if delivery is None or delivery.status != WebhookDeliveryStatus.PENDING:
        return None
    now = timezone.now()
    wait = _wait_seconds(delivery=delivery, now=now)
    if wait is not None:
        return wait
    if not _claim(delivery=delivery, now=now):
        return None  # another worker claimed this attempt; it schedules the next one
    return _record(delivery=delivery, attempt=_attempt(delivery))


def _wait_seconds(*, delivery: WebhookDelivery, now: datetime) -> float | None:
    if delivery.claimed_until and delivery.claimed_until > now:  # in flight, or its worker died
        return _seconds(delivery.claimed_until - now)
    if delivery.next_attempt_at > now:
        return _seconds(delivery.next_attempt_at - now)
    older = selectors.webhook_delivery_predecessor(delivery=delivery)
    if older is None:
        return None
    in_flight = older.claimed_until is not None and older.claimed_until > now
    wait = 1.0 if in_flight else min(max(_seconds(older.next_attempt_at - now), 1.0), 60.0)
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDeliveryStatus.PENDING).update(
        next_attempt_at=now + timedelta(seconds=wait), updated_at=now
    )
    return wait


def _claim(*, delivery: WebhookDelivery, now: datetime) -> bool:
    lease = timedelta(seconds=_setting("WEBHOOKS_TIMEOUT_SECONDS", 10) + 30)
    claimed = (
        WebhookDelivery.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
            pk=delivery.pk,
            status=WebhookDeliveryStatus.PENDING,
            next_attempt_at__lte=now,
        ).update(
            attempts=F("attempts") + 1,
            claimed_until=now + lease,
            last_attempt_at=now,
            updated_at=now,
        )
        == 1
    )
    if claimed:
        delivery.refresh_from_db(fields=["attempts"])
    return claimed


def _attempt(delivery: WebhookDelivery) -> Attempt:
    webhook = delivery.webhook
    if not webhook.is_active:
        return Attempt(code=None, error="The webhook is disabled.", final=True)
    try:
        target = ssrf.webhook_target(webhook.url)  # again: DNS may have changed since create
    except ssrf.WebhookUrlRefused as exc:
        return Attempt(code=None, error=str(exc), final=True)
    return _post(webhook=webhook, delivery=delivery, target=target)


def _post(*, webhook: Webhook, delivery: WebhookDelivery, target: ssrf.Target) -> Attempt:
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = signing.signed_headers(
        secret=webhook.secret, message_id=delivery.message_id, timestamp=int(time.time()), body=body
    )
    headers.update(
        {"content-type": "application/json", "user-agent": USER_AGENT, "host": target.host_header}
    )
    timeout = _setting("WEBHOOKS_TIMEOUT_SECONDS", 10)
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
            client.stream(
                "POST",
                target.request_url,
                content=body,
                headers=headers,
                extensions=target.extensions,
            ) as response,
        ):
            code = response.status_code  # the body is never read: receivers may be hostile
    except httpx.HTTPError as exc:
        return Attempt(code=None, error=f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # still this attempt's failure: record it rather than lose the claim
        logger.exception("webhook delivery %s failed unexpectedly", delivery.message_id)
        return Attempt(code=None, error=f"Unexpected {type(exc).__name__}: {exc}")
    if 200 <= code < 300:
        return Attempt(code=code)
    note = " (redirects are not followed)" if 300 <= code < 400 else ""
    return Attempt(code=code, error=f"HTTP {code}{note}")


def _record(*, delivery: WebhookDelivery, attempt: Attempt) -> float | None:
    now = timezone.now()
    fields: dict = {
        "last_response_code": attempt.code,
        "last_error": attempt.error[:500],
        "claimed_until": None,
        "updated_at": now,
    }
    retry_in = None
    if attempt.succeeded:
        fields.update(status=WebhookDeliveryStatus.SUCCEEDED, completed_at=now)
    elif attempt.final or delivery.attempts >= _setting("WEBHOOKS_MAX_ATTEMPTS", 6):
        fields.update(status=WebhookDeliveryStatus.FAILED, completed_at=now)
    else:
        retry_in = _backoff_seconds(delivery.attempts)
        fields["next_attempt_at"] = now + timedelta(seconds=retry_in)
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDeliveryStatus.PENDING).update(
        **fields
    )
    return retry_in


def _backoff_seconds(attempts: int) -> float:
    """After attempt n: base * 4^(n-1), capped, with equal jitter (half fixed, half random)."""
    delay = min(
        _setting("WEBHOOKS_RETRY_BASE_SECONDS", 15) * 4 ** (attempts - 1), RETRY_MAX_SECONDS
    )
    return delay / 2 + random.uniform(0, delay / 2)


def _seconds(delta: timedelta) -> float:
    return max(delta.total_seconds(), 0.0)


def webhook_deliveries_requeue() -> int:
    """Enqueue again the PENDING deliveries overdue by REQUEUE_AFTER and not in flight: their
    queue message was lost (a Redis restart). Duplicates are harmless: attempts are claimed."""
    now = timezone.now()
    ids = selectors.webhook_deliveries_stalled(now=now, grace=REQUEUE_AFTER)
    WebhookDelivery.objects.filter(pk__in=ids, status=WebhookDeliveryStatus.PENDING).update(
        next_attempt_at=now, updated_at=now
    )
    for delivery_id in ids:
        webhook_deliver_task.delay(delivery_id)
    return len(ids)
