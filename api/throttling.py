"""Throttles for the sign-in and account endpoints: per client IP and per target email.

Counters live in the default cache, so with REDIS_URL set every process shares them.
Rates are the REST_FRAMEWORK DEFAULT_THROTTLE_RATES scopes (env THROTTLE_*).
"""

import hashlib

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class _ClientIPThrottle(SimpleRateThrottle):
    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def get_ident(self, request):
        # X-Forwarded-For is client-controlled: trust it only when NUM_PROXIES says how many
        # proxies append to it (DRF would otherwise use the whole header, which dodges the limit).
        if api_settings.NUM_PROXIES is None:
            return request.META.get("REMOTE_ADDR")
        return super().get_ident(request)


class _TargetEmailThrottle(SimpleRateThrottle):
    """Counts attempts against one email whatever the client IP (credential stuffing, mail bombing)."""

    def get_cache_key(self, request, view):
        data = request.data
        email = data.get("email") if isinstance(data, dict) else None
        if not isinstance(email, str) or not email.strip():
            return None  # the serializer will refuse the request anyway
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


class LoginIPThrottle(_ClientIPThrottle):
    scope = "login_ip"


class LoginEmailThrottle(_TargetEmailThrottle):
    scope = "login_email"


class AuthIPThrottle(_ClientIPThrottle):
    scope = "auth_ip"


class AuthEmailThrottle(_TargetEmailThrottle):
    scope = "auth_email"
