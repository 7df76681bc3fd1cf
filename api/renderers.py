"""JSON responses encoded by orjson: what DRF's JSONRenderer writes, without its per-value Python calls.

The standard library's encoder calls back into Python for every UUID and datetime (a feed page
has forty); orjson writes those itself, as DRF's encoder does (hyphenated UUIDs, ISO times with
`Z` for UTC). Anything orjson does not know goes to DRF's encoder (lazy strings, Decimal,
timedelta, ...); anything orjson refuses (an integer beyond 64 bits), and indented output when
a client asks for it, goes to DRF's renderer itself.
"""

import orjson
from rest_framework.renderers import JSONRenderer

OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


class OrjsonRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is None:
            try:
                content = orjson.dumps(data, default=self.encoder_class().default, option=OPTIONS)
            except orjson.JSONEncodeError:
                pass
            else:
                # As DRF does: escaped, these two characters keep the JSON valid JavaScript.
                return content.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return super().render(data, accepted_media_type, renderer_context)
