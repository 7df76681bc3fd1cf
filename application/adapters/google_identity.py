"""Verify Google ID tokens (google-auth): signature against Google's published certificates,
audience GOOGLE_CLIENT_ID, issuer and expiry.

The certificates come from `settings.GOOGLE_CERTS_URL` through an injectable
`google.auth.transport.Request`; tests point the URL at a local server that publishes the
certificate of a locally generated key. Fetched certificates are cached (Cache-Control max-age,
at most an hour); a token signed with a key id not in the cache refetches once, so Google's key
rotation does not lock anyone out.
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from google.auth import exceptions as google_exceptions
from google.auth import transport
from google.oauth2 import id_token as google_id_token

from application.exceptions import InvalidCredentials, NotConfigured, UpstreamUnavailable
from users.emails import UnreadableEmail, normalize_email

_ISSUERS = ("accounts.google.com", "https://accounts.google.com")
_CLOCK_SKEW_SECONDS = 10
_DEFAULT_CACHE_SECONDS = 300
_MAX_CACHE_SECONDS = 3600
_FETCH_TIMEOUT_SECONDS = 5
_MAX_AGE = re.compile(r"max-age=(\d+)")


@dataclass(frozen=True, kw_only=True)
class GoogleIdentity:
    subject: str
    email: str


class GoogleSignInUnavailable(NotConfigured):
    code = "google_sign_in_unavailable"
    http_status = 503
    default_message = "Google sign-in is not configured on this server."


@dataclass(frozen=True)
class _CachedResponse:
    status: int
    headers: dict
    data: bytes


class _CachingRequest(transport.Request):
    """Wraps a transport: GETs of the certificate URL are answered from the cache when fresh."""

    def __init__(self, inner: transport.Request, *, bypass_cache: bool = False):
        self._inner = inner
        self._bypass_cache = bypass_cache

    def __call__(self, url, method="GET", body=None, headers=None, timeout=None, **kwargs):
        key = f"google-certs:{url}"
        if not self._bypass_cache:
            cached = cache.get(key)
            if cached is not None:
                return _CachedResponse(status=200, headers={}, data=cached)
        response = self._inner(
            url, method=method, body=body, headers=headers, timeout=timeout or _FETCH_TIMEOUT_SECONDS, **kwargs
        )
        if response.status == 200:
            cache.set(key, response.data, _cache_seconds(response.headers))
        return response


def _cache_seconds(headers) -> int:
    match = _MAX_AGE.search((headers or {}).get("Cache-Control", "") or (headers or {}).get("cache-control", ""))
    seconds = int(match.group(1)) if match else _DEFAULT_CACHE_SECONDS
    return max(0, min(seconds, _MAX_CACHE_SECONDS))


def _default_transport() -> transport.Request:
    from google.auth.transport.requests import Request

    return Request()


def verify_google_id_token(raw_token: str, *, http: transport.Request | None = None) -> GoogleIdentity:
    """Return the verified identity, or raise InvalidCredentials (401) for any bad token.

    Raises GoogleSignInUnavailable when GOOGLE_CLIENT_ID is not set and UpstreamUnavailable
    when Google's certificates cannot be fetched.
    """
    GoogleSignInUnavailable.unless_set(settings, "GOOGLE_CLIENT_ID")
    client_id = settings.GOOGLE_CLIENT_ID
    if not _is_signed_jwt(raw_token):
        # Junk never costs a round trip to Google, nor turns into a 502.
        raise _refused()
    inner = http or _default_transport()
    try:
        claims = _verify(raw_token, _CachingRequest(inner), client_id)
    except google_exceptions.TransportError as error:
        raise UpstreamUnavailable("Google's signing keys could not be fetched. Please try again.") from error
    except (ValueError, RecursionError, google_exceptions.GoogleAuthError) as error:
        if _unknown_key_id(error):
            try:
                claims = _verify(raw_token, _CachingRequest(inner, bypass_cache=True), client_id)
            except google_exceptions.TransportError as retry_error:
                raise UpstreamUnavailable("Google's signing keys could not be fetched.") from retry_error
            except (ValueError, RecursionError, google_exceptions.GoogleAuthError) as retry_error:
                raise _refused() from retry_error
        else:
            raise _refused() from error
    return _identity(claims)


def _is_signed_jwt(raw_token: str) -> bool:
    """Three base64url segments: a header naming an RS256 key id, as Google signs, and a JSON
    object as payload. Both are parsed here first, so nothing google-auth parses later can
    fail in a way it does not expect (a payload nested 1,000 deep raises RecursionError)."""
    parts = raw_token.split(".")
    if len(parts) != 3 or not all(parts):
        return False
    header, payload = _json_segment(parts[0]), _json_segment(parts[1])
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return False
    return header.get("alg") == "RS256" and isinstance(header.get("kid"), str)


def _json_segment(segment: str) -> object:
    """The JSON value of one base64url segment, or None when it is not one."""
    try:
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        return None


def _verify(raw_token: str, http: transport.Request, client_id: str) -> dict:
    claims = google_id_token.verify_token(
        raw_token,
        http,
        audience=client_id,
        certs_url=settings.GOOGLE_CERTS_URL,
        clock_skew_in_seconds=_CLOCK_SKEW_SECONDS,
    )
    if claims.get("iss") not in _ISSUERS:
        raise google_exceptions.GoogleAuthError(f"wrong issuer {claims.get('iss')!r}")
    return claims


def _unknown_key_id(error: Exception) -> bool:
    return "Certificate for key id" in str(error)


def _identity(claims: dict) -> GoogleIdentity:
    email = claims.get("email")
    verified = claims.get("email_verified") in (True, "true")
    # An unverified address would let anyone claim an account that uses it.
    if not isinstance(email, str) or not email or not verified or not claims.get("sub"):
        raise _refused("The Google account has no verified email address.")
    try:
        # The same normalization as a local sign-up, so both find the same account.
        normalized = normalize_email(email)
    except UnreadableEmail:
        raise _refused("The Google account's email address cannot be used here.") from None
    return GoogleIdentity(subject=str(claims["sub"]), email=normalized)


def _refused(message: str = "The Google ID token could not be verified.") -> InvalidCredentials:
    return InvalidCredentials(message)
