"""Original file names made safe to store and to send back in Content-Disposition."""

import unicodedata

MAX_NAME_LENGTH = 200
FALLBACK_NAME = "download"
# Reserved on Windows or special in a Content-Disposition header: a download must save anywhere.
_REPLACED = set('"*:<>?|;')


def sanitize_file_name(name: str) -> str:
    """The last path segment of `name`, without control, format (RTL, zero-width) or NUL
    characters, reserved ones replaced by "_", no leading dots, at most MAX_NAME_LENGTH
    characters with its extension kept."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(_safe_char(char) for char in name)
    name = " ".join(name.split()).lstrip(". ")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_NAME_LENGTH - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH]
    return name or FALLBACK_NAME


def _safe_char(char: str) -> str:
    category = unicodedata.category(char)
    if category[0] == "C":  # control, format (bidi overrides, zero-width), surrogates, unassigned
        return ""
    if category[0] == "Z":
        return " "
    return "_" if char in _REPLACED else char
