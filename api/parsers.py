"""JSON request bodies: bounded in size and nesting, parsed with orjson.

orjson parses several times faster than the standard library, refuses what is not strict
JSON (NaN, invalid UTF-8, lone surrogates) and never recurses in Python, so a body nested
10,000 levels deep is an error, not a RecursionError. Its own nesting limit (1024) is far
above what any client of this API sends, so a check on the bytes enforces 64.
"""

import orjson
from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser

MAX_JSON_DEPTH = 64


class MalformedJSON(ParseError):
    default_code = "malformed_json"


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def request_too_large_message(limit: int) -> str:
    return f"The request body is larger than {limit} bytes."


class StrictJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        # Read one byte past the limit: a body without a Content-Length is bounded too.
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(request_too_large_message(limit))
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise MalformedJSON(f"The request body is not valid JSON: {error}") from None
        if nested_deeper_than(raw, MAX_JSON_DEPTH):
            raise MalformedJSON(f"The request body is nested deeper than {MAX_JSON_DEPTH} levels.")
        return data


def nested_deeper_than(raw: bytes, limit: int) -> bool:
    """True when the arrays and objects of `raw` nest more than `limit` levels.

    Precondition: `raw` is valid JSON (orjson parsed it). Works on the bytes with C-speed
    operations only: a walk over the parsed value in Python costs more than the parse.
    """
    # Fewer opening brackets than the limit, strings included, cannot nest that deep.
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    if b"\\" in raw:
        # Escaped backslashes first, so that in `\\"` the quote still closes its string.
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Keep quotes and brackets (braces as brackets: only the depth matters), then drop the
    # strings that held no bracket; if any did, keep only what lies outside the strings.
    structure = raw.translate(_BRACES_AS_BRACKETS, _ALL_BUT_BRACKETS_AND_QUOTES)
    without_strings = structure.replace(b'""', b"")
    if b'"' in without_strings:
        without_strings = b"".join(structure.split(b'"')[0::2])
    structure = without_strings
    # Each pass removes the innermost level: a body `limit` deep is empty after `limit` passes.
    for _ in range(limit):
        if not structure:
            return False
        structure = structure.replace(b"[]", b"")
    return bool(structure)


_BRACES_AS_BRACKETS = bytes.maketrans(b"{}", b"[]")
_ALL_BUT_BRACKETS_AND_QUOTES = bytes(sorted(set(range(256)) - set(b'[]{}"')))
