"""Fixed reference rankings for `bench locomo`: what Engram's search is measured against.

They do not follow the product's search: the dense baseline is the cosine similarity of the
stored text embeddings (all-MiniLM-L6-v2), and the full-text baseline is PostgreSQL's
ts_rank_cd (cover density) of an OR of the query's words over the memory's text alone, computed
on the fly (segmented as the index is: memories/text.py), so neither the adjacent-message
context nor BM25 nor the fusion can reach them.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import Q

from accounts.models import Project
from memories.selectors.memories import memories_of
from memories.selectors.search_dense import UNUSED_COLUMNS, nearest_of, query_vectors
from memories.text import TEXT_SEARCH_CONFIG, lexical, or_terms, query_words


def memory_rank_dense(*, project: Project, query: str, where: Q, limit: int) -> list:
    vector = query_vectors(project, query)[0]  # the configured model's
    scoped = memories_of(project=project).filter(where)
    return list(nearest_of(scoped, vector, limit, exact=True))


def memory_rank_full_text(*, project: Project, query: str, where: Q, limit: int) -> list:
    words = query_words(query)
    if not words:
        return []
    tsquery = SearchQuery(or_terms(words), search_type="raw", config=TEXT_SEARCH_CONFIG)
    text_vector = SearchVector(lexical("text"), config=TEXT_SEARCH_CONFIG)
    return list(
        memories_of(project=project)
        .filter(where)
        .defer(*UNUSED_COLUMNS)
        .annotate(document=text_vector)
        .filter(document=tsquery)
        .annotate(rank=SearchRank(text_vector, tsquery, cover_density=True))
        .order_by("-rank", "-created_at")[:limit]
    )
