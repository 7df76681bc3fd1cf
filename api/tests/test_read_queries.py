"""The plain query readers answer what the serializers answer, or leave the answer to them."""

import datetime
import uuid

import pytest
from django.http import QueryDict
from hypothesis import given, settings
from hypothesis import strategies as st

from api.serializers.interactions import CommentQuerySerializer
from api.serializers.read_queries import plain_feed_query, plain_page_query
from api.serializers.resources import FeedQuerySerializer
from read_models.feed import FeedCursor

AT = datetime.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC)
AUTHOR = uuid.UUID("0b6c1c1e-58a4-4bd4-9c2f-2f0f4b8e6d1a")
PLAIN_CURSOR = FeedCursor(created_at=AT, id=AUTHOR).encode()
SEARCH_CURSOR = FeedCursor(created_at=AT, id=AUTHOR, rank=0.25).encode()

NUMBERS = ["1", "2", "20", "100", "101", "10000", "10001", "0", "-1", "01", " 3", "3 ", "1.0", "1e2", "", "x", "١"]
TEXTS = ["guide", "  guide  ", "", "   ", "a\x00b", "\ud800", "x" * 200, " " + "x" * 200, "x" * 201, '"row locks"']
TAGS = ["python", " python ", "", " ", "x" * 100, "x" * 101, "a\x00"]
CURSORS = [PLAIN_CURSOR, SEARCH_CURSOR, f" {PLAIN_CURSOR} ", "", "not-a-cursor", "x" * 201, PLAIN_CURSOR + "x" * 200]
AUTHORS = [
    str(AUTHOR),
    str(AUTHOR).upper(),
    AUTHOR.hex,
    f"{{{AUTHOR}}}",
    f"urn:uuid:{AUTHOR}",
    "",
    "nope",
    f" {AUTHOR}",
]
VALUES = {
    "page": NUMBERS,
    "page_size": NUMBERS,
    "q": TEXTS,
    "tag": TAGS,
    "cursor": CURSORS,
    "author": AUTHORS,
    "tag[0]": TAGS,
    "format": ["json"],
    "other": ["1"],
}


def serializer_answer(serializer_class, params: QueryDict):
    serializer = serializer_class(data=params)
    return dict(serializer.validated_data) if serializer.is_valid() else None


def query_dicts(keys):
    pair = st.sampled_from(keys).flatmap(lambda key: st.tuples(st.just(key), st.sampled_from(VALUES[key])))
    return st.lists(pair, max_size=6).map(query_dict)


def query_dict(pairs) -> QueryDict:
    params = QueryDict(mutable=True)
    for key, value in pairs:
        params.appendlist(key, value)
    return params


@settings(max_examples=600, deadline=None)
@given(query_dicts(list(VALUES)))
def test_the_plain_feed_reader_agrees_with_the_serializer(params):
    plain = plain_feed_query(params)
    if plain is not None:
        assert plain == serializer_answer(FeedQuerySerializer, params)


@settings(max_examples=300, deadline=None)
@given(query_dicts(["page", "page_size", "q", "other"]))
def test_the_plain_page_reader_agrees_with_the_serializer(params):
    plain = plain_page_query(params)
    if plain is not None:
        assert plain == serializer_answer(CommentQuerySerializer, params)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "page=3&page_size=50",
        f"cursor={PLAIN_CURSOR}&page_size=20",
        f"q=guide&cursor={SEARCH_CURSOR}",
        "q=+guide+&tag=python&tag=django",
        f"author={AUTHOR}&tag=python",
    ],
)
def test_what_clients_send_is_read_without_the_serializer(query):
    params = QueryDict(query)
    plain = plain_feed_query(params)
    assert plain is not None and plain == serializer_answer(FeedQuerySerializer, params)


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page_size=101",
        "page=1&page=2",
        f"cursor={SEARCH_CURSOR}",  # a search's cursor without q: the serializer's 400
        f"q=guide&cursor={PLAIN_CURSOR}",
        "cursor=not-a-cursor",
        "tag[0]=python",
        "author=nope",
    ],
)
def test_anything_else_is_left_to_the_serializer(query):
    assert plain_feed_query(QueryDict(query)) is None


def test_the_comment_page_reader_reads_page_and_page_size_only():
    assert plain_page_query(QueryDict("page=2&page_size=5")) == {"page": 2, "page_size": 5}
    assert plain_page_query(QueryDict("")) == {"page": 1, "page_size": 20}
    assert plain_page_query(QueryDict("page=2&sort=new")) is None
