"""The search statement's candidate rows, read as tuples; Memory objects only for the answer.

The statement returns up to twice the pool of candidates (dense and BM25), and fusion needs
five numbers of each. Building a Memory for every row through a RawQuerySet cost ~35 us a row
(~1.4 ms a search); a Candidate holds the tuple, and `memory_of` turns the few that are
returned into Memory objects, with the same field conversions the ORM applies.
"""

from __future__ import annotations

from functools import cache

from django.db import connection

from memories.models import Memory

EXTRAS = ("dense_distance", "bm25", "distance", "idf", "lexemes")
_READ = ("created_at", "embedding_model", "categories")  # the Memory fields a Candidate reads


class Candidate:
    """One row of the candidates statement: what fusion reads, and the row for `memory_of`."""

    __slots__ = (
        "attainable",
        "bm25",
        "categories",
        "created_at",
        "dense_distance",
        "distance",
        "embedding_model",
        "idf",
        "lexemes",
        "pk",
        "row",
    )

    def __init__(self, row: tuple, fields: int, columns: tuple[int, int, int]) -> None:
        created_at, model, categories = columns
        self.row = row
        self.pk = row[0]
        self.created_at = row[created_at]
        self.categories = row[categories] or []
        self.embedding_model = row[model]
        (
            self.dense_distance,
            self.bm25,
            self.distance,
            self.idf,
            self.lexemes,
            self.attainable,
        ) = row[fields:]


def candidate_rows(sql: str, params: list, skip: tuple) -> list[Candidate]:
    """Run the candidates statement (its columns: the Memory fields but `skip`, then EXTRAS)."""
    fields = len(_fields(skip))
    columns = tuple(_index_of(skip, name) for name in _READ)
    # Not prepared: a generic plan of this statement cannot know how many rows the tsquery
    # matches, and with a fresh table's statistics PostgreSQL chose one 4x slower (GIN bitmap
    # over the whole project instead of the user's btree rows).
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [Candidate(row, fields, columns) for row in cursor.fetchall()]


def memory_of(candidate, skip: tuple) -> Memory:
    """The Memory of a Candidate (a Memory stays as it is), `distance` and `bm25` kept."""
    if not isinstance(candidate, Candidate):
        return candidate
    fields = _fields(skip)
    values = list(candidate.row[: len(fields)])
    for index, column, converters in _converters(skip):
        for convert in converters:
            values[index] = convert(values[index], column, connection)
    memory = Memory.from_db(connection.alias, [f.attname for f in fields], values)
    memory.distance, memory.bm25 = candidate.distance, candidate.bm25
    return memory


@cache
def _fields(skip: tuple) -> list:
    # The order of memory_columns(skip), which writes the statement's column list.
    return [f for f in Memory._meta.concrete_fields if f.name not in skip]


@cache
def _index_of(skip: tuple, name: str) -> int:
    return [f.name for f in _fields(skip)].index(name)


@cache
def _converters(skip: tuple) -> list[tuple[int, object, list]]:
    """(index, column, converters) of the fields whose database value needs converting
    (JSON text into Python, as the ORM does when it reads them)."""
    found = []
    for index, field in enumerate(_fields(skip)):
        column = field.get_col(Memory._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if converters:
            found.append((index, column, converters))
    return found
