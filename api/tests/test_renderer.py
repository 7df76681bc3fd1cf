"""The orjson renderer writes what DRF's JSONRenderer writes, for every kind of value a view returns."""

import datetime
import decimal
import json
import uuid
import zoneinfo

from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from api.renderers import OrjsonRenderer

UTC_TIME = datetime.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC)
VALUES = {
    "envelope": {"status": "ok", "data": [{"id": uuid.UUID(int=7), "created_at": UTC_TIME, "tags": ["a", "b"]}]},
    "whole-second UTC time": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
    "zoneinfo UTC": datetime.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=zoneinfo.ZoneInfo("UTC")),
    "offset time": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
    "naive time": datetime.datetime(2026, 1, 2, 3, 4, 5),
    "date": datetime.date(2026, 1, 2),
    "time of day": datetime.time(3, 4, 5, 6),
    "duration": datetime.timedelta(minutes=90),
    "decimal": decimal.Decimal("12.50"),
    "lazy text": gettext_lazy("This field is required."),
    "error details": ReturnDict(
        {"page": [ErrorDetail("A valid integer is required.", code="invalid")]}, serializer=None
    ),
    "serializer list": ReturnList([{"n": 1}], serializer=None),
    "line separators": "one\u2028two\u2029three",
    "unicode": "café – 東京 🚀",
    "integer keys": {1: "one"},
    "huge integer": 2**70,
    "tuple": (1, 2.5, None, True),
}


def drf(value) -> bytes:
    return JSONRenderer().render(value)


def ours(value) -> bytes:
    return OrjsonRenderer().render(value)


def test_each_kind_of_value_renders_to_the_same_bytes():
    for name, value in VALUES.items():
        assert ours(value) == drf(value), name


def test_nothing_renders_to_an_empty_body_and_indent_is_honoured():
    assert ours(None) == b""
    indented = OrjsonRenderer().render({"a": [1]}, "application/json; indent=2")
    assert indented == JSONRenderer().render({"a": [1]}, "application/json; indent=2")
    assert b"\n" in indented


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.uuids()
    | st.datetimes(timezones=st.just(datetime.UTC)),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@given(JSON_VALUES)
def test_any_json_value_with_ids_and_times_parses_back_the_same(value):
    # Floats may be spelt differently (1e+16 / 1e16); what they parse to is the same. In a list:
    # a bare None is no body at all.
    assert json.loads(ours([value])) == json.loads(drf([value]))
