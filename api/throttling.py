"""Throttles for the sign-in and account endpoints: per client IP and per target email.

Counters live in the default cache, so with REDIS_URL set every process shares them.
Rates are the REST_FRAMEWORK DEFAULT_THROTTLE_RATES scopes (env THROTTLE_*).
"""

import hashlib

from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from api.request_meta import client_ip
from users.emails import throttle_key_email


class ClientIdentMixin:
    """Anonymous callers are counted by `client_ip`: X-Forwarded-For only through trusted
    proxies. DRF's default would take the whole client-supplied header, which dodges limits."""

    def get_ident(self, request):
        return client_ip(request)


class _ClientIPThrottle(ClientIdentMixin, SimpleRateThrottle):
    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ScopedClientThrottle(ClientIdentMixin, ScopedRateThrottle):
    """DRF's per-view `throttle_scope`, keyed by user, or by `client_ip` when anonymous."""


class _TargetEmailThrottle(SimpleRateThrottle):
    """Counts attempts against one email whatever the client IP (credential stuffing, mail bombing)."""

    def get_cache_key(self, request, view):
        data = request.data
        email = data.get("email") if isinstance(data, dict) else None
        # The same normalization as the lookup: "ſam@" and "SAM@" count against "sam@".
        normalized = throttle_key_email(email) if isinstance(email, str) else None
        if normalized is None:
            return None  # the serializer will refuse the request anyway; the IP throttle still counts
        digest = hashlib.sha256(normalized.encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


class LoginIPThrottle(_ClientIPThrottle):
    scope = "login_ip"


class LoginEmailThrottle(_TargetEmailThrottle):
    scope = "login_email"


class AuthIPThrottle(_ClientIPThrottle):
    scope = "auth_ip"


class AuthEmailThrottle(_TargetEmailThrottle):
    scope = "auth_email"


class TokenIPThrottle(_ClientIPThrottle):
    """Refresh and logout: each call verifies a signature and reads the blacklist."""

    scope = "token_ip"
