"""config/db/timestamps.py: the faster timestamptz loader reads exactly what Django's does."""

from datetime import UTC, datetime
from types import SimpleNamespace

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.adapt import AdaptersMap
from psycopg.pq import Format

from config.db.timestamps import IsoTzLoader

TIMESTAMPTZ = 1184
instants = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


def djangos_loader():
    """Django's own loader for this connection's time zone, as it registers it."""
    context = SimpleNamespace(adapters=AdaptersMap(psycopg.adapters))
    register_tzloader(connection.timezone, context)
    loader = context.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
    return loader(TIMESTAMPTZ, connection.connection)


def ours():
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
    return loader(TIMESTAMPTZ, connection.connection)


def load_both(text: bytes):
    results = []
    for loader in (djangos_loader(), ours()):
        try:
            results.append(loader.load(text))
        except Exception as exc:  # the same failure, or the same value
            results.append(type(exc))
    return results


@pytest.mark.django_db
def test_connections_use_it():
    connection.ensure_connection()
    assert isinstance(ours(), IsoTzLoader)


@pytest.mark.django_db
@settings(max_examples=300, deadline=None)
@given(instants)
def test_what_postgresql_sends_reads_as_django_reads_it(instant):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz, %s::timestamptz::text", [instant, instant])
        loaded, text = cursor.fetchone()

    assert loaded == instant and loaded.tzinfo is connection.timezone
    django, fast = load_both(text.encode())
    assert fast == django and fast.tzinfo is django.tzinfo


@pytest.mark.parametrize(
    "text",
    [
        "2025-01-01 00:03:00+00",
        "2025-01-01 00:03:00.5+00",
        "2025-06-01 05:30:00+05:30",  # a session in another zone: psycopg's conversion applies
        "0044-03-15 00:00:00+00 BC",
        "infinity",
        "-infinity",
        "not a time",
    ],
)
@pytest.mark.django_db
def test_other_texts_read_as_django_reads_them(text):
    connection.ensure_connection()
    django, fast = load_both(text.encode())
    assert fast == django
    if isinstance(fast, datetime):
        assert fast.tzinfo is django.tzinfo
