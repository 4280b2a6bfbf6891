"""Import of an `engram-project` export (the format is in `memories.services.portability`).

`project_import` reads the lines as a stream and writes batches of `BATCH_SIZE` rows, each in
its own transaction, with `bulk_create(update_conflicts=True)`: importing the same file into the
same project again updates the rows instead of adding new ones. Ids (memories, history,
feedback, events, webhooks) are kept unless another project already uses them; such ids are
replaced by a uuid5 of the target project and the old id, so a re-import maps them to the same
new ids, and references (replaced_by, history, feedback) follow. Timestamps are restored exactly:
`bulk_create` fills auto_now fields with the current time, so each batch then sets them back
with one `UPDATE … FROM unnest(…)`. `replaced_by` links are set at the end, once every memory
exists. Embeddings come from the file when it was made with this instance's model and
dimension; otherwise (or with `reembed`, or where a vector is missing) the texts are embedded
again, a batch at a time.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Model, Q, UUIDField

from accounts.models import ApiKey, Organization, Project, User
from config.errors import DomainError
from memories import embeddings
from memories.models import Entity, Event, Feedback, Memory, MemoryHistory
from memories.models_webhooks import Webhook, new_webhook_id
from memories.services.limits import MemoryTooLarge, memory_metadata_check, memory_text_check
from memories.services.memories import embedded_with
from memories.services.portability import (
    BATCH_SIZE,
    ENTITY_FIELDS,
    EVENT_FIELDS,
    FEEDBACK_FIELDS,
    FORMAT,
    HISTORY_FIELDS,
    MEMORY_FIELDS,
    PROGRESS_EVERY,
    PROJECT_SETTINGS,
    VERSION,
    WEBHOOK_FIELDS,
    record_values,
    summary,
)

# Namespace of the uuid5 ids given to rows whose id another project already uses.
REMAP_NAMESPACE = uuid.UUID("5b0c7e8e-3f7a-4a8e-9a59-2f1f9b3c6d10")


class PortabilityError(DomainError):
    """The file is not an export this version can read, or the target is ambiguous."""


@dataclass
class ImportResult:
    project: Project
    counts: dict[str, int] = field(default_factory=dict)
    remapped: int = 0
    reembedded: int = 0
    skipped: int = 0
    # Why each memory over the size limits (memories.services.limits) was not imported.
    too_large: list[str] = field(default_factory=list)
    # (webhook_id, new secret) of each webhook created by the import.
    webhook_secrets: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"imported {summary(self.counts)} into {self.project.public_id}; "
            f"{self.remapped:,} ids remapped, {self.reembedded:,} memories re-embedded, "
            f"{self.skipped:,} records skipped"
            + (f" ({len(self.too_large):,} too large)" if self.too_large else "")
        )


def project_import(
    *,
    lines: Iterable[str | bytes],
    organization: str | None = None,
    project_name: str | None = None,
    into: Project | None = None,
    reembed: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ImportResult:
    """Import an export into `into` (whose settings are left as they are), or into a new
    project made with the exported settings (see `_target_project`)."""
    records = (json.loads(line) for line in lines if line.strip())
    header = next(records, None)
    if not header or header.get("format") != FORMAT:
        raise PortabilityError(f"Not an {FORMAT} export.")
    if header.get("version") != VERSION:
        raise PortabilityError(f"Unsupported {FORMAT} version {header.get('version')!r}.")
    project = into or _target_project(header, organization=organization, name=project_name)
    importer = _Importer(project, header=header, reembed=reembed, progress=progress)
    for record in records:
        importer.add(record)
    return importer.finish()


def _model_key(name: str | None) -> str | None:
    """The model key of a file's "embedding_model"; files from before keys name an OpenAI-
    compatible model without its "openai:" prefix and a local model by any of its names."""
    if not name or ":" in name:
        return name
    spec = embeddings.local_model_spec(name)
    return spec.name if spec else f"openai:{name}"


@transaction.atomic
def _target_project(header: dict, *, organization: str | None, name: str | None) -> Project:
    """A new project in `organization` (public id or name), which must exist; by default in the
    exported organization if this instance has it, else in a new organization of its name."""
    exported_org = header.get("organization") or {}
    if organization:
        org = (
            Organization.objects.filter(Q(public_id=organization) | Q(name=organization))
            .order_by("id")
            .first()
        )
        if org is None:
            raise PortabilityError(f"No organization {organization!r}.")
    else:
        org = Organization.objects.filter(public_id=exported_org.get("public_id")).first()
        if org is None:
            org = Organization.objects.create(name=exported_org.get("name") or "Imported")
    settings_ = {k: v for k, v in header["project"].items() if k in PROJECT_SETTINGS}
    settings_["name"] = name or settings_.get("name") or "Imported project"
    existing = Project.objects.filter(organization=org, name=settings_["name"]).first()
    if existing:
        raise PortabilityError(
            f"{org.name} already has a project named {settings_['name']!r} "
            f"({existing.public_id}); import --into it or choose another --project-name."
        )
    return Project.objects.create(organization=org, **settings_)


def _auto_fields(model: type[Model]) -> list[str]:
    return [
        f.column
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]


def _upsert(model: type[Model], objs: list[Model], **options) -> None:
    """bulk_create(update_conflicts=True) keeping the objects' timestamps: bulk_create sets
    auto_now / auto_now_add fields (on the objects too) to the current time, so one
    `UPDATE … FROM unnest(…)` sets them back, by the pk that bulk_create returned."""
    columns = _auto_fields(model)
    stamps = [[getattr(obj, c) for obj in objs] for c in columns]
    model.objects.bulk_create(objs, update_conflicts=True, **options)
    if not objs or not columns:
        return
    pk = model._meta.pk
    pk_type = "uuid" if isinstance(pk, UUIDField) else "bigint"
    unnest = ", ".join([f"%s::{pk_type}[]"] + ["%s::timestamptz[]"] * len(columns))
    sets = ", ".join(f'"{c}" = v."{c}"' for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    sql = (
        f'UPDATE "{model._meta.db_table}" AS t SET {sets} '
        f'FROM unnest({unnest}) AS v(pk, {names}) WHERE t."{pk.column}" = v.pk'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [[obj.pk for obj in objs], *stamps])


class _Importer:
    def __init__(self, project: Project, *, header: dict, reembed: bool, progress):
        self.project = project
        self.result = ImportResult(project=project)
        self.progress = progress
        # A stored vector is kept when the configured model made it; others are embedded again.
        self.model = embeddings.current_model()
        self.dim = embeddings.model_dim(self.model)
        self.use_vectors = not reembed and header.get("embeddings", True)
        self.file_model = _model_key(header.get("engram_embedding_model"))
        self.batch: list[dict] = []
        self.kind: str | None = None
        self.total = 0
        self.memory_ids: dict[uuid.UUID, uuid.UUID] = {}  # remapped memory ids only
        self.replaced_by: list[tuple[uuid.UUID, uuid.UUID]] = []
        self.actors: dict[str, tuple[int | None, int | None]] = {}
        self.handlers = {
            "entity": self._entities,
            "memory": self._memories,
            "history": self._history,
            "feedback": self._feedback,
            "event": self._events,
            "webhook": self._webhooks,
        }

    def add(self, record: dict) -> None:
        kind = record.get("type")
        if kind not in self.handlers:
            raise PortabilityError(f"Unknown record type {kind!r}.")
        if kind != self.kind or len(self.batch) >= BATCH_SIZE:
            self.flush()
            self.kind = kind
        self.batch.append(record)

    def flush(self) -> None:
        if not self.batch:
            return
        with transaction.atomic():
            self.handlers[self.kind](self.batch)
        before, self.total = self.total, self.total + len(self.batch)
        self.result.counts[self.kind] = self.result.counts.get(self.kind, 0) + len(self.batch)
        self.batch = []
        if self.progress and before // PROGRESS_EVERY != self.total // PROGRESS_EVERY:
            self.progress(f"imported {self.total:,} records")

    def finish(self) -> ImportResult:
        self.flush()
        for start in range(0, len(self.replaced_by), BATCH_SIZE):
            with transaction.atomic():
                self._link(self.replaced_by[start : start + BATCH_SIZE])
        return self.result

    # --- ids ---------------------------------------------------------------------------------

    def _free_ids(self, model: type[Model], ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        """Each id, or its uuid5 replacement when another project has a row with it."""
        taken = set(
            model.objects.filter(pk__in=ids)
            .exclude(project=self.project)
            .values_list("pk", flat=True)
        )
        mapping = {i: i for i in ids}
        for old in taken:
            mapping[old] = uuid.uuid5(REMAP_NAMESPACE, f"{self.project.public_id}:{old}")
        self.result.remapped += len(taken)
        return mapping

    def _memory_ref(self, value: str) -> uuid.UUID:
        old = uuid.UUID(value)
        return self.memory_ids.get(old, old)

    def _known_memories(self, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        known = Memory.objects.filter(project=self.project, pk__in=list(ids))
        return set(known.values_list("pk", flat=True))

    # --- records -----------------------------------------------------------------------------

    def _entities(self, batch: list[dict]) -> None:
        objs = [
            Entity(
                project=self.project,
                type=r["entity_type"],
                name=r["name"],
                **record_values(r, ENTITY_FIELDS),
            )
            for r in batch
        ]
        unique = ["project", "type", "name"]
        _upsert(Entity, objs, unique_fields=unique, update_fields=list(ENTITY_FIELDS))

    def _memories(self, batch: list[dict]) -> None:
        batch = [record for record in batch if self._fits(record)]
        ids = self._free_ids(Memory, [uuid.UUID(r["id"]) for r in batch])
        self.memory_ids.update({old: new for old, new in ids.items() if old != new})
        vectors = [self._vector(r) for r in batch]
        missing = [i for i, vector in enumerate(vectors) if vector is None]
        if missing:
            fresh = embeddings.embed_texts([batch[i]["text"] for i in missing])
            for i, vector in zip(missing, fresh, strict=True):
                vectors[i] = vector
            self.result.reembedded += len(missing)
        objs = []
        model = embedded_with(self.project)
        for record, vector in zip(batch, vectors, strict=True):
            new_id = ids[uuid.UUID(record["id"])]
            objs.append(
                Memory(
                    id=new_id,
                    project=self.project,
                    embedding=vector,
                    embedding_model=model,
                    **record_values(record, MEMORY_FIELDS),
                )
            )
            if record.get("replaced_by"):
                self.replaced_by.append((new_id, uuid.UUID(record["replaced_by"])))
        update_fields = [*MEMORY_FIELDS, "embedding", "embedding_model"]
        _upsert(Memory, objs, unique_fields=["id"], update_fields=update_fields)

    def _fits(self, record: dict) -> bool:
        """A memory over the size limits is skipped and reported, not imported: the limits hold
        for every memory, however it arrives. Its history and feedback are skipped with it."""
        try:
            memory_text_check(record.get("text") or "")
            memory_metadata_check(record.get("metadata"))
        except MemoryTooLarge as error:
            self.result.skipped += 1
            self.result.too_large.append(f"memory {record.get('id')}: {error}")
            return False
        return True

    def _vector(self, record: dict) -> list[float] | None:
        vector = record.get("embedding")
        model = _model_key(record.get("embedding_model")) or self.file_model
        if self.use_vectors and vector is not None and model == self.model:
            return vector if len(vector) == self.dim else None
        return None

    def _records_on_memories(self, model, batch: list[dict]) -> list[tuple[dict, uuid.UUID]]:
        """(record, its memory id here) for the records whose memory was imported; the new or
        kept id of each record is set as record["_id"]."""
        ids = self._free_ids(model, [uuid.UUID(r["id"]) for r in batch])
        refs = [self._memory_ref(r["memory"]) for r in batch]
        known = self._known_memories(refs)
        kept = []
        for record, ref in zip(batch, refs, strict=True):
            if ref in known:
                record["_id"] = ids[uuid.UUID(record["id"])]
                kept.append((record, ref))
            else:
                self.result.skipped += 1
        return kept

    def _history(self, batch: list[dict]) -> None:
        objs = []
        for record, memory_id in self._records_on_memories(MemoryHistory, batch):
            key_id, user_id = self._actor(record.get("actor"))
            objs.append(
                MemoryHistory(
                    id=record["_id"],
                    project=self.project,
                    memory_id=memory_id,
                    actor_api_key_id=key_id,
                    actor_user_id=user_id,
                    **record_values(record, HISTORY_FIELDS),
                )
            )
        _upsert(MemoryHistory, objs, unique_fields=["id"], update_fields=list(HISTORY_FIELDS))

    def _actor(self, actor: str | None) -> tuple[int | None, int | None]:
        """The api key (of the target project) or user (a member of its organization) named by
        an exported `actor`, if this instance has it."""
        if not actor:
            return None, None
        if actor not in self.actors:
            kind, _, value = actor.partition(":")
            key_id = user_id = None
            if kind == "key" and value.startswith("eg_"):
                key_id = (
                    ApiKey.objects.filter(project=self.project, prefix=value[3:])
                    .values_list("pk", flat=True)
                    .first()
                )
            elif kind == "user":
                user_id = (
                    User.objects.filter(
                        email=value, memberships__organization_id=self.project.organization_id
                    )
                    .values_list("pk", flat=True)
                    .first()
                )
            self.actors[actor] = (key_id, user_id)
        return self.actors[actor]

    def _feedback(self, batch: list[dict]) -> None:
        objs = [
            Feedback(
                id=record["_id"],
                project=self.project,
                memory_id=memory_id,
                **record_values(record, FEEDBACK_FIELDS),
            )
            for record, memory_id in self._records_on_memories(Feedback, batch)
        ]
        _upsert(Feedback, objs, unique_fields=["memory"], update_fields=list(FEEDBACK_FIELDS))

    def _events(self, batch: list[dict]) -> None:
        ids = self._free_ids(Event, [uuid.UUID(r["id"]) for r in batch])
        objs = []
        for r in batch:
            values = record_values(r, EVENT_FIELDS)
            objs.append(Event(id=ids[uuid.UUID(r["id"])], project=self.project, **values))
        _upsert(Event, objs, unique_fields=["id"], update_fields=list(EVENT_FIELDS))

    def _webhooks(self, batch: list[dict]) -> None:
        """Matched by id or by (name, url) within the project; a new one gets a new secret."""
        for record in batch:
            values = record_values(record, WEBHOOK_FIELDS)
            webhook_id = record.get("webhook_id") or ""
            mine = Webhook.objects.filter(project=self.project)
            webhook = mine.filter(
                Q(webhook_id=webhook_id) | Q(name=record["name"], url=record["url"])
            ).first()
            if webhook is None:
                if not webhook_id or Webhook.objects.filter(webhook_id=webhook_id).exists():
                    webhook_id = new_webhook_id()
                    self.result.remapped += 1
                webhook = Webhook.objects.create(
                    project=self.project, webhook_id=webhook_id, **values
                )
                self.result.webhook_secrets.append((webhook.webhook_id, webhook.secret))
            mine.filter(pk=webhook.pk).update(**values)  # update() leaves auto_now alone

    def _link(self, pairs: list[tuple[uuid.UUID, uuid.UUID]]) -> None:
        """Set replaced_by once both memories exist (a link to a memory not imported is lost)."""
        targets = [self.memory_ids.get(target, target) for _, target in pairs]
        known = self._known_memories(targets)
        rows = [(m, t) for (m, _), t in zip(pairs, targets, strict=True) if t in known]
        self.result.skipped += len(pairs) - len(rows)
        if not rows:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{Memory._meta.db_table}" AS m SET "replaced_by_id" = v.target '
                "FROM unnest(%s::uuid[], %s::uuid[]) AS v(id, target) "
                'WHERE m."id" = v.id AND m."project_id" = %s',
                [[m for m, _ in rows], [t for _, t in rows], self.project.pk],
            )
