"""Entities screen (list, search, delete) and entity detail (memories, click-to-edit, history)."""

from __future__ import annotations

import uuid

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget

from dashboard.decorators import project_view
from dashboard.paging import PAGE_SIZE, offset_page, page_offset
from dashboard.selectors.entities import (
    ENTITY_SORTS,
    ENTITY_TYPE_LABELS,
    entities_page,
    entity_memories,
    memory_timeline,
)
from memories.models import ENTITY_FIELDS, Entity, EntityType, Memory
from memories.selectors.memories import entity_get, memory_get
from memories.services.add import NewMemories, memories_add_verbatim
from memories.services.limits import MemoryTooLarge
from memories.services.memories import (
    Actor,
    MemoryRuleError,
    entity_delete,
    memory_delete,
    memory_update,
)

LIST = "dashboard/entities.html"
DETAIL = "dashboard/entity_detail.html"
SORT_LABELS = [("name", _("Name")), ("memories", _("Memories")), ("updated", _("Last activity"))]


class MemoryTextForm(forms.Form):
    text = forms.CharField(label=_("Memory"), widget=forms.Textarea(attrs={"rows": 3}))


def _labelled(entity: Entity) -> Entity:
    """The entity with `type_label`, what the page calls its type in the active language."""
    entity.type_label = ENTITY_TYPE_LABELS[entity.type]  # type: ignore[attr-defined]
    return entity


def _entity_or_404(request, entity_type: str, name: str) -> Entity:
    entity = None
    if entity_type in EntityType.values:
        entity = entity_get(project=request.project, entity_type=entity_type, name=name)
    if entity is None:
        raise Http404("No such entity.")
    return _labelled(entity)


def _memory_or_404(request, entity: Entity, memory_id: uuid.UUID) -> Memory:
    memory = memory_get(project=request.project, memory_id=memory_id)
    if memory is None or getattr(memory, ENTITY_FIELDS[entity.type]) != entity.name:
        raise Http404("No such memory.")
    return memory


# --- entities -------------------------------------------------------------------------------


@vary_on_headers("HX-Request")
@project_view
@require_safe
def entity_list(request, org_id: str, project_id: str):
    """Entities with memory counts; htmx (search, infinite scroll) gets only `#entity-rows`."""
    q, entity_type = request.GET.get("q", "").strip(), request.GET.get("type", "")
    sort, offset = request.GET.get("sort", "name"), page_offset(request)
    sort = sort if sort in ENTITY_SORTS else "name"
    rows = entities_page(
        project=request.project,
        q=q,
        entity_type=entity_type if entity_type in EntityType.values else "",
        sort=sort,
        offset=offset,
        limit=PAGE_SIZE,
    )
    page = offset_page(request, rows, offset=offset)
    context = {
        "entities": [_labelled(entity) for entity in page.rows],
        "next_url": page.next_url,
        "q": q,
        "entity_type": entity_type,
        "sort": sort,
        "types": list(ENTITY_TYPE_LABELS.items()),
        "sorts": SORT_LABELS,
    }
    return render(request, f"{LIST}#entity-rows" if request.htmx else LIST, context)


@project_view(write=True)
@require_POST
def entity_remove(request, org_id: str, project_id: str, entity_type: str, name: str):
    """Delete the entity and all its memories; htmx swaps its row away."""
    entity_delete(entity=_entity_or_404(request, entity_type, name))
    if request.htmx:
        return HttpResponse("")
    return redirect("dashboard:entity-list", org_id=org_id, project_id=project_id)


# --- one entity -----------------------------------------------------------------------------


def _detail(request, entity: Entity, *, template: str = DETAIL, status: int = 200, **extra):
    q, offset = request.GET.get("q", "").strip(), page_offset(request)
    memories = entity_memories(project=request.project, entity=entity, q=q)
    page = offset_page(request, list(memories[offset : offset + PAGE_SIZE + 1]), offset=offset)
    context = {
        "entity": entity,
        "memories": page.rows,
        "next_url": page.next_url,
        "q": q,
        "add_form": MemoryTextForm(),
        **extra,
    }
    return render(request, template, context, status=status)


@vary_on_headers("HX-Request")
@project_view
@require_safe
def entity_detail(request, org_id: str, project_id: str, entity_type: str, name: str):
    """The entity's memories, newest first; htmx (filter, infinite scroll) gets `#memory-rows`."""
    entity = _entity_or_404(request, entity_type, name)
    return _detail(request, entity, template=f"{DETAIL}#memory-rows" if request.htmx else DETAIL)


@project_view(write=True)
@require_POST
def memory_add(request, org_id: str, project_id: str, entity_type: str, name: str):
    """Add a memory by hand in the entity's scope; htmx gets the refreshed `#memory-rows`."""
    entity = _entity_or_404(request, entity_type, name)
    form = MemoryTextForm(request.POST)
    if form.is_valid():
        scope = dict.fromkeys(ENTITY_FIELDS.values())
        scope[ENTITY_FIELDS[entity.type]] = entity.name
        try:
            memories_add_verbatim(
                project=request.project,
                new=NewMemories(texts=[form.cleaned_data["text"]], scope=scope),
                actor=Actor(user=request.user),
            )
        except MemoryTooLarge as error:
            form.add_error("text", str(error))
    if not form.is_valid():
        if request.htmx:
            context = {"entity": entity, "add_form": form}
            response = render(request, f"{DETAIL}#add-memory", context)
            return reswap(retarget(response, "#add-memory"), "outerHTML")
        return _detail(request, entity, add_form=form)
    if request.htmx:
        return _detail(request, entity, template=f"{DETAIL}#memory-rows")
    return redirect("dashboard:entity-detail", org_id, project_id, entity_type, name)


@vary_on_headers("HX-Request")
@project_view
@require_safe
def memory_view(request, org_id: str, project_id: str, entity_type: str, name: str, memory_id):
    """One memory's display fragment (what "Cancel" on the edit form swaps back in)."""
    entity = _entity_or_404(request, entity_type, name)
    memory = _memory_or_404(request, entity, memory_id)
    if not request.htmx:
        return redirect("dashboard:entity-detail", org_id, project_id, entity_type, name)
    return render(request, f"{DETAIL}#memory-item", {"entity": entity, "memory": memory})


@vary_on_headers("HX-Request")
@project_view(write=True)
def memory_edit(request, org_id: str, project_id: str, entity_type: str, name: str, memory_id):
    """Click-to-edit: GET the form fragment, POST saves and returns the display fragment."""
    entity = _entity_or_404(request, entity_type, name)
    memory = _memory_or_404(request, entity, memory_id)
    form = MemoryTextForm(request.POST or None, initial={"text": memory.text})
    if request.method == "POST" and form.is_valid():
        try:
            memory = memory_update(
                memory=memory, actor=Actor(user=request.user), text=form.cleaned_data["text"]
            )
        except MemoryTooLarge as error:
            form.add_error("text", str(error))
        except MemoryRuleError as error:
            form.add_error(None, str(error))
        else:
            if request.htmx:
                context = {"entity": entity, "memory": memory}
                return render(request, f"{DETAIL}#memory-item", context)
            return redirect("dashboard:entity-detail", org_id, project_id, entity_type, name)
    if request.htmx:
        context = {"entity": entity, "memory": memory, "form": form}
        return render(request, f"{DETAIL}#memory-form", context)
    return _detail(request, entity, editing=memory.id, form=form)


@project_view(write=True)
@require_POST
def memory_remove(request, org_id: str, project_id: str, entity_type: str, name: str, memory_id):
    entity = _entity_or_404(request, entity_type, name)
    memory_delete(memory=_memory_or_404(request, entity, memory_id))
    if request.htmx:
        return HttpResponse("")
    return redirect("dashboard:entity-detail", org_id, project_id, entity_type, name)


@vary_on_headers("HX-Request")
@project_view
@require_safe
def memory_history(request, org_id: str, project_id: str, entity_type: str, name: str, memory_id):
    """The memory's timeline: old -> new, event, who and when (the newest PAGE_SIZE entries)."""
    entity = _entity_or_404(request, entity_type, name)
    memory = _memory_or_404(request, entity, memory_id)
    timeline, older = memory_timeline(project=request.project, memory=memory, limit=PAGE_SIZE)
    if request.htmx:
        context = {"entity": entity, "memory": memory, "timeline": timeline, "older": older}
        return render(request, f"{DETAIL}#memory-history", context)
    return _detail(request, entity, history_of=memory.id, timeline=timeline, older=older)
