"""The public read paths' query strings, read without a DRF serializer when they are plain.

Validating `?page=1&page_size=20` through FeedQuerySerializer cost about 0.4 ms of CPU (its
fields deep-copied for each request, then run one by one with their validators): a tenth of
a feed request. The forms clients send (each key once, integers written plainly and in range,
a cursor this feed made, a hyphenated UUID, text without NUL or surrogates) are read here into
the serializer's validated data. Anything else, an error included, returns None and the
serializer decides, so every 400 is still the serializer's own. api/tests/test_read_queries.py
checks that whenever these functions answer, the serializer answers the same.
"""

import re
from uuid import UUID

from read_models.feed import (
    MAX_CURSOR_LENGTH,
    MAX_QUERY_LENGTH,
    MAX_TAG_FILTERS,
    MAX_TAG_LENGTH,
    FeedCursor,
    InvalidCursor,
)
from read_models.paging import DEFAULT_PAGE_SIZE, MAX_PAGE, MAX_PAGE_SIZE

_PLAIN_NUMBER = re.compile(r"[1-9][0-9]{0,5}")
_PLAIN_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# What DRF's CharField refuses inside a value.
_REFUSED_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
_LIMITS = {"page": MAX_PAGE, "page_size": MAX_PAGE_SIZE}


def plain_page_query(params) -> dict | None:
    """PageQuerySerializer's validated data for `params` (a QueryDict), or None: ask the serializer."""
    data = {"page": 1, "page_size": DEFAULT_PAGE_SIZE}
    for key, values in params.lists():
        if key not in _LIMITS or len(values) != 1:
            return None
        number = _number(values[0], _LIMITS[key])
        if number is None:
            return None
        data[key] = number
    return data


def plain_feed_query(params) -> dict | None:
    """FeedQuerySerializer's validated data for `params` (a QueryDict), or None: ask the serializer."""
    data: dict = {"page": 1, "page_size": DEFAULT_PAGE_SIZE, "q": "", "tag": []}
    for key, values in params.lists():
        if key == "tag":
            tags = [_text(value, MAX_TAG_LENGTH) for value in values]
            if len(tags) > MAX_TAG_FILTERS or not all(tags):
                return None
            data["tag"] = tags
            continue
        if len(values) != 1:
            return None
        (value,) = values
        if key in _LIMITS:
            parsed = _number(value, _LIMITS[key])
        elif key == "q":
            parsed = value.strip()
            if len(parsed) > MAX_QUERY_LENGTH or _REFUSED_CHARACTERS.search(parsed):
                return None
        elif key == "cursor":
            parsed = _cursor(value)
        elif key == "author":
            parsed = UUID(value) if _PLAIN_UUID.fullmatch(value) else None
        else:
            return None
        if parsed is None:
            return None
        data[key] = parsed
    cursor = data.get("cursor")
    if cursor is not None and (cursor.rank is not None) != bool(data["q"]):
        return None
    return data


def _number(value: str, top: int) -> int | None:
    if not _PLAIN_NUMBER.fullmatch(value):
        return None
    number = int(value)
    return number if number <= top else None


def _text(value: str, max_length: int) -> str | None:
    """A non-blank value as CharField keeps it (stripped), or None."""
    text = value.strip()
    if not text or len(text) > max_length or _REFUSED_CHARACTERS.search(text):
        return None
    return text


def _cursor(value: str) -> FeedCursor | None:
    token = _text(value, MAX_CURSOR_LENGTH)
    if token is None:
        return None
    try:
        return FeedCursor.decode(token)
    except InvalidCursor:
        return None
