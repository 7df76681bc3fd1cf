"""Small request helpers shared by the account tests."""

import re

from django.core import mail

from core.outbox import process_outbox

STRONG_PASSWORD = "a-Long-and-Unusual-passw0rd"
_TOKEN_LINK = re.compile(r"(https?://\S+?)\?token=(\S+)")


def post(client, path: str, body: dict | None = None, **extra):
    return client.post(path, body or {}, format="json", **extra)


def error_code(response) -> str:
    body = response.json()
    assert body["status"] == "error", body
    return body["error"]["code"]


def deliver_mail() -> None:
    """Run the outbox worker once, as `process_events --once` would."""
    process_outbox(limit=100)


def link_in_last_mail(to: str) -> tuple[str, str]:
    """(address, token) of the link in the newest mail to `to`, read from its text body."""
    message = [m for m in mail.outbox if to in m.to][-1]
    match = _TOKEN_LINK.search(message.body)
    assert match, message.body
    html = message.alternatives[0][0]
    assert match.group(2) in html
    return match.group(1), match.group(2)


def bearer(client, access_token: str):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
    return client
