"""Shared pieces of the filter-language tests."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import pytest

from memories.filters import FilterError, compile_filters
from memories.models import Memory
from tests.factories import ProjectFactory

ALLOWED = (
    "['AND', 'OR', 'NOT', 'user_id', 'agent_id', 'app_id', 'run_id', 'created_at', 'updated_at', "
    "'timestamp', 'expiration_date', 'text', 'categories', 'metadata', 'keywords_search', "
    "'memory_ids', 'keywords']"
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def project():
    return ProjectFactory()


@pytest.fixture
def make(project):
    def make(text: str = "a memory", **fields) -> Memory:
        digest = hashlib.md5(text.encode()).hexdigest()
        return Memory.objects.create(project=project, text=text, hash=digest, **fields)

    return make


@pytest.fixture
def found(project):
    def found(filters, **kwargs) -> set[uuid.UUID]:
        q = compile_filters(filters, **kwargs)
        return set(Memory.objects.filter(project=project).filter(q).values_list("id", flat=True))

    return found


def ids(*memories: Memory) -> set[uuid.UUID]:
    return {m.id for m in memories}


def error_of(filters, **kwargs) -> str:
    with pytest.raises(FilterError) as caught:
        compile_filters(filters, **kwargs)
    return str(caught.value)
