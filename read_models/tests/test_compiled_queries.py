"""A compiled read query returns what the ORM returns for each call's values, compiling each shape once."""

import datetime

import pytest
from django.db import connection
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext

from read_models.compiled import CompiledQuery, Many
from resources.models import Resource
from resources.tests.factories import ResourceFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CREATED_AT = Resource._meta.get_field("created_at")
AUTHOR = Resource._meta.get_field("author")
PK = Resource._meta.pk


def newest(limit, by_author, *, before, author_id, ids):
    queryset = Resource.objects.filter(Q(created_at__lt=before) | Q(pk__in=ids))
    if by_author:
        queryset = queryset.filter(author_id=author_id)
    return (
        queryset.annotate(author_email=F("author__email"))
        .order_by("-created_at")
        .values("id", "title", "created_at", "author_email")[:limit]
    )


NEWEST = CompiledQuery(newest, before=CREATED_AT, author_id=AUTHOR, ids=Many(PK))


@pytest.fixture
def counted():
    """A compiled `newest` of its own (no plans yet) and the shapes it was built for."""
    builds = []

    def build(limit, by_author, **values):
        builds.append((limit, by_author, len(values["ids"])))
        return newest(limit, by_author, **values)

    return CompiledQuery(build, before=CREATED_AT, author_id=AUTHOR, ids=Many(PK)), builds


@pytest.fixture
def resources():
    ada, bob = UserFactory(email="ada@example.com"), UserFactory(email="bob@example.com")
    rows = [ResourceFactory(author=ada if n % 2 else bob, title=f"r{n}") for n in range(6)]
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    for n, resource in enumerate(rows):
        Resource.objects.filter(pk=resource.pk).update(created_at=start + datetime.timedelta(days=n))
    return ada, bob, [Resource.objects.get(pk=resource.pk) for resource in rows]


@pytest.mark.parametrize("by_author", [False, True])
@pytest.mark.parametrize("id_count", [1, 3])
def test_rows_are_what_the_orm_returns_for_these_values(resources, by_author, id_count):
    ada, _, rows = resources
    values = {"before": rows[4].created_at, "author_id": ada.pk, "ids": [row.pk for row in rows[-id_count:]]}

    compiled = NEWEST.rows(3, by_author, **values)

    assert compiled == list(newest(3, by_author, **values))
    assert compiled  # the case selects something: the comparison is not between two empty lists
    assert isinstance(compiled[0]["id"], type(rows[0].pk))
    assert compiled[0]["created_at"].tzinfo is not None


def test_a_shape_is_built_once_and_later_calls_bind_their_own_values(resources, counted):
    ada, bob, rows = resources
    query, builds = counted

    first = query.rows(2, True, before=rows[5].created_at, author_id=ada.pk, ids=[rows[0].pk])
    second = query.rows(2, True, before=rows[5].created_at, author_id=bob.pk, ids=[rows[1].pk])
    with CaptureQueriesContext(connection) as queries:
        query.rows(2, True, before=rows[2].created_at, author_id=bob.pk, ids=[rows[1].pk])

    assert builds == [(2, True, 1)]
    assert len(queries) == 1
    assert {row["author_email"] for row in first} == {"ada@example.com"}
    assert {row["author_email"] for row in second} == {"bob@example.com"}


def test_another_shape_or_list_length_compiles_again(resources, counted):
    ada, _, rows = resources
    query, builds = counted
    values = {"before": rows[5].created_at, "author_id": ada.pk}

    query.rows(2, True, **values, ids=[rows[0].pk])
    query.rows(2, False, **values, ids=[rows[0].pk])
    query.rows(2, False, **values, ids=[rows[0].pk, rows[1].pk])

    assert builds == [(2, True, 1), (2, False, 1), (2, False, 2)]


def test_a_value_django_writes_into_the_sql_is_refused_as_a_slot(resources):
    # LIMIT is written into the SQL, so a slot there would be silently ignored: a shape argument it must be.
    price = Resource._meta.get_field("price_cents")
    limited = CompiledQuery(lambda *, limit: Resource.objects.values("id")[:limit], limit=price)

    with pytest.raises(ValueError, match="limit: Django wrote its value into the SQL"):
        limited.rows(limit=2)
