import logging

from django.apps import AppConfig
from django.db.models.signals import post_migrate

logger = logging.getLogger(__name__)


class MemoriesConfig(AppConfig):
    name = "memories"
    verbose_name = "Memories"

    def ready(self):
        post_migrate.connect(_index_the_configured_model, sender=self)


def _index_the_configured_model(**kwargs) -> None:
    """After `migrate` (make up runs it at every start), the configured embedding model has its
    vector index, so its first memories are searched through it (services/vector_indexes.py)."""
    from memories import embeddings
    from memories.services.vector_indexes import ensure_vector_index

    try:
        model = embeddings.current_model()
        dim = embeddings.model_dim(model)
    except embeddings.EmbeddingError as exc:
        logger.warning("no vector index for the configured embedding model: %s", exc)
        return
    ensure_vector_index(model, dim)
