"""Facts about the caller taken from the request: address and user agent."""

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies the address the outermost one saw.

    Each trusted proxy appends the address it received the request from, so the client is
    the entry TRUSTED_PROXY_COUNT places from the end; anything before it is client-supplied.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR") or None


def user_agent(request) -> str | None:
    # NUL cannot be stored in a PostgreSQL text column.
    return request.META.get("HTTP_USER_AGENT", "").replace("\x00", "") or None
