"""Stripe's fixture payloads (fixtures/stripe, see its README) and signing exactly as Stripe signs."""

import copy
import hashlib
import hmac
import json
import time
from functools import cache
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "stripe"
CUSTOMER_ID = "cus_QXg1o8vcGmoR32"
SUBSCRIPTION_ID = "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw"
PRICE_ID = "price_1PgafmB7WZ01zgkW6dKueIc5"
SESSION_ID = "cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY"
INVOICE_ID = "in_1Pgc6tB7WZ01zgkWu9fdqL6I"
PAYMENT_INTENT_ID = "pi_1PgafyB7WZ01zgkWSjxsAJo3"
CHARGE_ID = "ch_1PgafuB7WZ01zgkWXYmPNZs8"
DAY = 24 * 3600


@cache
def _read(relative: str) -> str:
    return (FIXTURES / relative).read_text()


def fixture_object(name: str) -> dict:
    return json.loads(_read(name))


def event_text(name: str, user_id: object = "REPLACE_USER_ID") -> str:
    """The event file's exact text with the user placeholder replaced (no re-serialisation)."""
    return _read(f"events/{name}.json").replace("REPLACE_USER_ID", str(user_id))


def event_dict(name: str, user_id: object = "REPLACE_USER_ID") -> dict:
    return json.loads(event_text(name, user_id))


def event_body(event: dict) -> bytes:
    """Bytes for an event a test changed; sign these very bytes."""
    return json.dumps(event).encode()


def stripe_signature(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`, the header Stripe sends."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def live_subscription(
    subscription_id: str = SUBSCRIPTION_ID,
    *,
    customer_id: str = CUSTOMER_ID,
    status: str = "active",
    period_start: int | None = None,
    period_end: int | None = None,
    user_id: object = "",
) -> dict:
    """The fixture subscription as Stripe would hold it now: a current 30-day period."""
    subscription = copy.deepcopy(event_dict("customer_subscription_created")["data"]["object"])
    now = int(time.time())
    period_start = now - 60 if period_start is None else period_start
    period_end = period_start + 30 * DAY if period_end is None else period_end
    subscription.update(
        id=subscription_id,
        customer=customer_id,
        status=status,
        start_date=period_start,
        created=period_start,
        metadata={"user_id": str(user_id)} if user_id else {},
    )
    item = subscription["items"]["data"][0]
    item.update(current_period_start=period_start, current_period_end=period_end)
    return subscription
