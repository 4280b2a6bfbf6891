from django.urls import path

from memories.views import entities, overview

urlpatterns = [
    path("dashboard/<str:org_id>/<str:project_id>/", overview.overview, name="overview"),
]

ENTITY = "dashboard/<str:org_id>/<str:project_id>/entities/<str:entity_type>/<path:name>/"
MEMORY = ENTITY + "memories/<uuid:memory_id>/"
ENTITY_ACTION = (
    "dashboard/<str:org_id>/<str:project_id>/entities/{action}/<str:entity_type>/<path:name>/"
)
urlpatterns += [
    path(
        "dashboard/<str:org_id>/<str:project_id>/entities/",
        entities.entity_list,
        name="dashboard-entity-list",
    ),
    path(MEMORY, entities.memory_view, name="dashboard-memory-detail"),
    path(MEMORY + "edit/", entities.memory_edit, name="dashboard-memory-edit"),
    path(MEMORY + "delete/", entities.memory_remove, name="dashboard-memory-delete"),
    path(MEMORY + "history/", entities.memory_history, name="dashboard-memory-history"),
    # Actions come before the name: names may hold "/", so "<name>/delete/" would make an
    # entity called "x/delete" unreachable. "delete" and "add" are not entity types.
    path(
        ENTITY_ACTION.format(action="delete"),
        entities.entity_remove,
        name="dashboard-entity-delete",
    ),
    path(ENTITY_ACTION.format(action="add"), entities.memory_add, name="dashboard-memory-add"),
    # Memory routes first, the bare entity last: `<path:name>` would also match the longer URLs.
    path(ENTITY, entities.entity_detail, name="dashboard-entity-detail"),
]
