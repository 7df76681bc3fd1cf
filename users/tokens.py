"""Signed, expiring tokens mailed to users: account activation and password reset.

Both are itsdangerous timed signatures over the user id, each with its own salt so one kind
never passes for the other. A reset token also carries a fingerprint of the password hash and
the last login: once the password changes (or the user signs in) the token stops matching,
which makes it single-use without storing it anywhere.
"""

from urllib.parse import unquote

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac
from itsdangerous import BadData, URLSafeTimedSerializer

_ACTIVATION_SALT = "ressourcefy.users.activation"
_PASSWORD_RESET_SALT = "ressourcefy.users.password-reset"  # noqa: S105 - a salt, not a secret
# Enough rounds of percent-decoding for a token that a mail client or a frontend encoded twice.
_MAX_DECODE_ROUNDS = 3


class BadToken(Exception):
    """The token is malformed, tampered with, expired or no longer matches the account."""


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.SECRET_KEY, salt=salt)


def normalize_token(raw: str) -> str:
    """Undo URL-encoding applied once or twice; a plain token comes back unchanged."""
    token = raw.strip()
    for _ in range(_MAX_DECODE_ROUNDS):
        decoded = unquote(token)
        if decoded == token:
            break
        token = decoded.strip()
    return token


def make_activation_token(user) -> str:
    return _serializer(_ACTIVATION_SALT).dumps({"uid": str(user.pk), "email": user.email})


def read_activation_token(raw: str) -> dict:
    """Return {"uid", "email"} of a valid, unexpired activation token, else raise BadToken."""
    return _load(raw, _ACTIVATION_SALT, settings.ACTIVATION_TOKEN_MAX_AGE_SECONDS, required=("uid", "email"))


def make_password_reset_token(user) -> str:
    return _serializer(_PASSWORD_RESET_SALT).dumps({"uid": str(user.pk), "fp": password_fingerprint(user)})


def read_password_reset_token(raw: str) -> dict:
    """Return {"uid", "fp"} of a valid, unexpired reset token; the caller checks `fp` against the user."""
    return _load(raw, _PASSWORD_RESET_SALT, settings.PASSWORD_RESET_TOKEN_MAX_AGE_SECONDS, required=("uid", "fp"))


def password_fingerprint(user) -> str:
    last_login = "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None).isoformat()
    return salted_hmac(_PASSWORD_RESET_SALT, f"{user.pk}|{user.password}|{last_login}").hexdigest()[:40]


def fingerprint_matches(user, fingerprint: str) -> bool:
    return constant_time_compare(password_fingerprint(user), fingerprint)


def _load(raw: str, salt: str, max_age: int, *, required: tuple[str, ...]) -> dict:
    try:
        value = _serializer(salt).loads(normalize_token(raw), max_age=max_age)
    except BadData as error:  # bad signature, expired, undecodable payload
        raise BadToken(str(error)) from error
    if not isinstance(value, dict) or not all(isinstance(value.get(key), str) for key in required):
        raise BadToken("unexpected token payload")
    return value
