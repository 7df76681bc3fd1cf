"""Small request helpers shared by the account tests."""

import re

from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.outbox import process_outbox

STRONG_PASSWORD = "a-Long-and-Unusual-passw0rd"
_TOKEN_LINK = re.compile(r"(https?://\S+?)\?token=(\S+)")


def post(client, path: str, body: dict | None = None, **extra):
    return client.post(path, body or {}, format="json", **extra)


def statement_kinds(client, path: str, body: dict) -> list[str]:
    """The kind (SELECT, INSERT, ...) of each SQL statement one POST runs, throttles reset first:
    two answers that must not tell accounts apart must also run the same statements."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        post(client, path, body)
    return [query["sql"].split()[0] for query in queries.captured_queries]


def ok_message(message: str) -> dict:
    """The body of a success answer that carries only a message."""
    return {"status": "ok", "data": {"message": message}}


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
