"""The one email normalization: every lookup, every stored address and every throttle key use it.

NFKC folds compatibility forms (fullwidth letters, the Kelvin sign, long s) into the letters a
person reads; casefold makes case irrelevant without depending on the database's own case
rules (PostgreSQL's UPPER maps "ı" to "I"). Characters that still read as something else,
or as nothing, are refused rather than guessed at.
"""

import unicodedata

from django.core.exceptions import ValidationError

# Control, format (zero-width, bidi), surrogate, private-use and unassigned code points, every
# kind of space, and combining marks that did not compose into a letter.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Mc", "Me"})
MESSAGE = "This email contains characters that read as other characters, or as none."


class UnreadableEmail(ValueError):
    """The address holds characters a person would not read as they are compared."""


def normalize_email(raw: str) -> str:
    """NFKC, casefold, NFKC again (casefold can undo composition), outer whitespace stripped.

    Raises UnreadableEmail for hidden or look-alike characters: a letter that is not ASCII but
    whose upper or lower case is (dotless "ı" reads as "i"), control and zero-width characters,
    lone surrogates, and marks left uncombined.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", raw).casefold()).strip()
    for character in folded:
        if unicodedata.category(character) in _REFUSED_CATEGORIES or (
            not character.isascii() and _reads_as_ascii(character)
        ):
            raise UnreadableEmail(MESSAGE)
    return folded


def throttle_key_email(raw: str) -> str | None:
    """The normalized address for counting attempts; None when it will be refused anyway."""
    try:
        return normalize_email(raw) or None
    except UnreadableEmail:
        return None


def validate_readable_email(value: str) -> None:
    """A model/form validator: the same refusal as the API, as a ValidationError."""
    try:
        normalize_email(value)
    except UnreadableEmail as error:
        raise ValidationError(MESSAGE, code="unreadable_email") from error


def _reads_as_ascii(character: str) -> bool:
    return any(other.isascii() for other in (character.upper(), character.lower()))
