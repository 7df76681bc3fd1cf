"""What an uploaded file is, judged from its first bytes rather than from its name.

`filetype` reads magic numbers in pure Python (no libmagic system library to install or keep
patched); it knows every binary type we accept. Text has no magic number, so a head that
decodes as UTF-8 with no NUL byte counts as text, and its extension picks txt or md.
"""

import filetype
from django.conf import settings

HEAD_BYTES = 8192

# The names UPLOAD_ALLOWED_TYPES uses, and the MIME type each one is served with.
KNOWN_TYPES = {
    "pdf": "application/pdf",
    "epub": "application/epub+zip",
    "zip": "application/zip",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "mp3": "audio/mpeg",
    "mp4": "video/mp4",
    "txt": "text/plain",
    "md": "text/markdown",
}
_MARKDOWN_EXTENSIONS = (".md", ".markdown")


def detect_content_type(head: bytes, name: str) -> str | None:
    """The MIME type of a file starting with `head`, or None when it is not an allowed type."""
    allowed = {KNOWN_TYPES[short] for short in settings.UPLOAD_ALLOWED_TYPES if short in KNOWN_TYPES}
    kind = filetype.guess(head)
    if kind is not None:
        detected = kind.mime
    elif _looks_like_text(head):
        detected = KNOWN_TYPES["md"] if name.lower().endswith(_MARKDOWN_EXTENSIONS) else KNOWN_TYPES["txt"]
    else:
        return None
    return detected if detected in allowed else None


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The head may end in the middle of a multi-byte character; anything earlier is binary.
        return error.start >= len(head) - 3 and error.reason == "unexpected end of data"
    return True
