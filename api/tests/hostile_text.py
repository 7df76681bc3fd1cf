"""Hypothesis strategies for hostile input: text that generic generators almost never produce.

Lone surrogates (not encodable as UTF-8), confusables that case-fold or NFKC-fold into ASCII,
bidi and zero-width marks, NUL and other controls, and timestamps at the edges of the
calendar (inside forged feed cursors too). Deep nesting is deliberately not generated here:
the JSON parser's depth limit is owned and tested with the strict-input rules.
"""

import base64
import json
import uuid

from hypothesis import strategies as st

LONE_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff", "\ud83d"]  # the last: half an emoji
CONFUSABLES = [
    "\u017f",  # ſ long s: NFKC -> s, PostgreSQL UPPER -> S
    "\u0131",  # ı dotless i: UPPER -> I
    "\u0130",  # İ dotted capital I: lower -> i + combining dot
    "\u212a",  # K Kelvin sign
    "\uff53\uff41\uff4d",  # ｓａｍ fullwidth
    "\uff20",  # ＠ fullwidth at sign
    "\u0430",  # Cyrillic а
    "e\u0301",  # e + combining acute
    "\u00df",  # ß: casefold -> ss
    "\ufb03",  # ﬃ ligature: NFKC -> ffi
]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u202d", "\u200f", "\u2066", "\u061c"]
CONTROLS = ["\x00", "\x01", "\x1b", "\x7f", "\r\n", "\u0085", "\u2028"]
CALENDAR_EDGES = [
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59.999999+00:00",
    "0001-01-01T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "2024-02-30T00:00:00Z",
    "2024-13-01T00:00:00Z",
    "1970-01-01T00:00:00+99:99",
    "-0001-01-01T00:00:00Z",
]
ATOMS = LONE_SURROGATES + CONFUSABLES + INVISIBLE + CONTROLS + CALENDAR_EDGES

hostile_atom = st.sampled_from(ATOMS)

# Mostly hostile pieces, with a little ordinary text between them.
hostile_text = st.lists(st.one_of(hostile_atom, hostile_atom, st.text(max_size=4)), min_size=1, max_size=5).map("".join)

hostile_email = st.tuples(hostile_text, st.sampled_from(["example.com", "\uff45xample.com", "e\u0301cole.fr"])).map(
    lambda parts: f"sam{parts[0]}@{parts[1]}"
)


def _cursor(created_at: str, id_hex: object) -> str:
    raw = json.dumps([created_at, id_hex], ensure_ascii=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Forged feed cursors: a well-formed envelope around a timestamp at the edge of the calendar.
calendar_edge_cursors = st.one_of(
    st.tuples(st.sampled_from(CALENDAR_EDGES), st.just(uuid.uuid4().hex)).map(lambda parts: _cursor(*parts)),
    st.tuples(hostile_text, st.one_of(st.just(uuid.uuid4().hex), hostile_text)).map(lambda parts: _cursor(*parts)),
    hostile_text,
)

edge_integers = st.one_of(
    st.sampled_from([0, -1, 1, 2**31, 2**31 - 1, 2**63, -(2**63), 10**30]),
    st.integers(min_value=-(10**6), max_value=10**6),
)
