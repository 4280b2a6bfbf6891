"""Reads for the dashboard's Overview: totals and per-day series, in five aggregate queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Aggregate, Count, FloatField, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Project, RequestLog
from memories.models import Entity, Event, EventStatus, Memory, MemoryState

OVERVIEW_DAYS = 30
# What the dashboard calls each event status; the API keeps the stored values.
EVENT_STATUS_LABELS = {
    EventStatus.PENDING: _("pending"),
    EventStatus.RUNNING: _("running"),
    EventStatus.SUCCEEDED: _("succeeded"),
    EventStatus.FAILED: _("failed"),
}


class Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5): the continuous median of a column."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@dataclass(frozen=True)
class Overview:
    days: list[date]
    memories: int
    entities: int
    api_calls: int
    events_by_status: dict[str, int]
    memories_per_day: list[int]
    calls_per_day: list[int]
    median_latency_per_day: list[float | None]
    events_per_day: dict[str, list[int]]  # status -> one count per day


def _count(queryset) -> Coalesce:
    """A correlated `count(*)` of `queryset` (rows of OuterRef("pk")'s project), 0 when none."""
    # COUNT(*), not count(id): memories are then counted index-only (the entity indexes lead
    # with the project and include the state).
    counted = queryset.order_by().values("project").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def overview_get(*, project: Project, days: int = OVERVIEW_DAYS, today: date | None = None):
    today = today or timezone.localdate()
    axis = [today - timedelta(days=days - 1 - offset) for offset in range(days)]
    since = timezone.make_aware(datetime.combine(axis[0], time.min))
    index = {day: position for position, day in enumerate(axis)}

    totals = (
        Project.objects.filter(pk=project.pk)
        .annotate(
            n_memories=_count(
                Memory.objects.filter(project=OuterRef("pk"), state=MemoryState.ACTIVE)
            ),
            n_entities=_count(Entity.objects.filter(project=OuterRef("pk"))),
            n_calls=_count(RequestLog.objects.filter(project=OuterRef("pk"))),
        )
        .values("n_memories", "n_entities", "n_calls")
        .get()
    )
    events_by_status = {status.value: 0 for status in EventStatus}
    for row in Event.objects.filter(project=project).values("status").annotate(n=Count("pk")):
        events_by_status[row["status"]] = row["n"]

    memories_per_day = [0] * days
    rows = (
        Memory.objects.filter(project=project, created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        if row["day"] in index:
            memories_per_day[index[row["day"]]] = row["n"]

    calls_per_day, latency = [0] * days, [None] * days
    rows = (
        RequestLog.objects.filter(project=project, created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("pk"), median=Median("latency_ms"))
    )
    for row in rows:
        if row["day"] in index:
            calls_per_day[index[row["day"]]] = row["n"]
            latency[index[row["day"]]] = row["median"]

    events_per_day = {status.value: [0] * days for status in EventStatus}
    rows = (
        Event.objects.filter(project=project, created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day", "status")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        if row["day"] in index and row["status"] in events_per_day:
            events_per_day[row["status"]][index[row["day"]]] = row["n"]

    return Overview(
        days=axis,
        memories=totals["n_memories"],
        entities=totals["n_entities"],
        api_calls=totals["n_calls"],
        events_by_status=events_by_status,
        memories_per_day=memories_per_day,
        calls_per_day=calls_per_day,
        median_latency_per_day=latency,
        events_per_day=events_per_day,
    )
