from django.urls import path

from memories.api import bulk, entities, legacy
from memories.api import memories as v3
from memories.models import EntityType

urlpatterns = [
    # v3: the newest SDKs
    path("v3/memories/add/", v3.MemoryAddApi.as_view(), name="memory-add"),
    path("v3/memories/search/", v3.MemorySearchApi.as_view(), name="memory-search"),
    path("v3/memories/", v3.MemoryListApi.as_view(), name="memory-list"),
    # one memory (every SDK version)
    path("v1/memories/search/", legacy.LegacySearchApi.as_view(), name="memory-search-v1"),
    path("v1/memories/<str:memory_id>/", v3.MemoryDetailApi.as_view(), name="memory-detail"),
    path(
        "v1/memories/<str:memory_id>/history/",
        v3.MemoryHistoryApi.as_view(),
        name="memory-history",
    ),
    path("v1/memories/", legacy.MemoriesRootApi.as_view(), name="memories-root"),
    # legacy list and search
    path("v2/memories/", legacy.LegacyListApi.as_view(), name="memory-list-v2"),
    path("v2/memories/search/", legacy.LegacySearchV2Api.as_view(), name="memory-search-v2"),
    # entities
    path("v1/entities/", entities.EntityListApi.as_view(), name="entity-list"),
    path(
        "v2/entities/<str:entity_type>/<path:name>/",
        entities.EntityApi.as_view(),
        name="entity-detail",
    ),
    path(
        "v1/entities/<str:entity_type>/<str:entity_id>/",
        entities.EntityByIdApi.as_view(),
        name="entity-by-id",
    ),
    *[
        path(
            f"v1/{kind.value}s/",
            entities.EntityCreateApi.as_view(entity_type=kind),
            name=f"entity-create-{kind.value}",
        )
        for kind in EntityType
    ],
    # batches, feedback, events
    path("v1/batch/", bulk.BatchApi.as_view(), name="memory-batch"),
    path("v1/feedback/", bulk.FeedbackApi.as_view(), name="memory-feedback"),
    path("v1/event/<str:event_id>/", bulk.EventDetailApi.as_view(), name="event-detail"),
    path("v1/events/", bulk.EventListApi.as_view(), name="event-list"),
]
