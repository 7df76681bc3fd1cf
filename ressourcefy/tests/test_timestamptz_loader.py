"""Timestamps read with psycopg's own (C) loader: the same values and tzinfo Django's loader gives."""

import datetime

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.pq import Format

from users.models import User
from users.tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

TIMESTAMPTZ = psycopg.adapters.types["timestamptz"].oid

SAMPLES = [
    "2026-12-04 19:00:00+00",
    "2026-12-04 19:00:00.000001+00",
    "2026-03-29 01:59:59.999999+00",
    "2000-02-29 23:59:59.5+00",
    "1970-01-01 00:00:00+00",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "2026-06-01 12:00:00+05:30",
    "2026-06-01 12:00:00-09:45",
]


class DjangosLoader(BaseTzLoader):
    timezone = datetime.UTC


def read(text: str) -> datetime.datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", [text])
        return cursor.fetchone()[0]


@pytest.mark.parametrize("text", SAMPLES)
def test_a_timestamp_reads_as_djangos_loader_reads_it(text):
    value = read(text)
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz::text", [text])
        wire = cursor.fetchone()[0].encode()
    expected = DjangosLoader(TIMESTAMPTZ).load(wire)
    assert value == expected
    assert value.tzinfo is expected.tzinfo is datetime.UTC
    assert value.isoformat() == expected.isoformat()


def test_columns_are_read_by_psycopgs_loader_and_orm_values_keep_their_instant():
    user = UserFactory()
    assert User.objects.get(pk=user.pk).created_at == user.created_at
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        loader = cursor.cursor._tx.get_loader(TIMESTAMPTZ, Format.TEXT)
    assert type(loader) is psycopg.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
