"""Webhook deliveries as Stripe makes them: the event's JSON, signed with the endpoint's secret.

Events wait in a queue. The dev tool delivers them from a background thread and retries a
delivery the app did not answer with a 2xx (Stripe retries for days; we back off up to a
minute). Tests call `deliver_pending(sender)` on their own thread, so the app runs inside
the test's database transaction.
"""

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# (body, headers) -> HTTP status of the app's answer
Sender = Callable[[bytes, dict[str, str]], int]
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
MAX_ATTEMPTS = 8


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256 of "t." + body>`: the Stripe-Signature header."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass
class Delivery:
    event_id: str
    event_type: str
    status: int | None = None
    attempts: int = 0
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def http_sender(url: str, timeout: float = 30.0) -> Sender:
    def send(body: bytes, headers: dict[str, str]) -> int:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) only
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    return send


class WebhookQueue:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.deliveries: list[Delivery] = []
        self._pending: deque[dict] = deque()
        self._wakeup = threading.Condition()
        self._stopping = False

    def enqueue(self, event: dict) -> None:
        with self._wakeup:
            self._pending.append(event)
            self._wakeup.notify()

    def pending(self) -> list[dict]:
        with self._wakeup:
            return list(self._pending)

    def deliver_pending(self, sender: Sender) -> list[Delivery]:
        """Send every queued event once, in order; returns what the app answered to each."""
        with self._wakeup:
            events, self._pending = list(self._pending), deque()
        return [self._send(event, sender) for event in events]

    def headers_for(self, body: bytes) -> dict[str, str]:
        return {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Stripe-Signature": sign(body, self.secret),
        }

    def _send(self, event: dict, sender: Sender, delivery: Delivery | None = None) -> Delivery:
        if delivery is None:
            delivery = Delivery(event["id"], event["type"])
            self.deliveries.append(delivery)
        # Stripe sends pretty-printed JSON and signs every attempt afresh.
        body = json.dumps(event, indent=2).encode()
        delivery.attempts += 1
        try:
            delivery.status, delivery.error = sender(body, self.headers_for(body)), ""
        except OSError as error:  # the app is not listening (yet)
            delivery.status, delivery.error = None, str(error)
        logger.info(
            "webhook delivered",
            extra={"event_type": event["type"], "event_id": event["id"], "status": delivery.status},
        )
        return delivery

    # --- background delivery (the dev tool) --------------------------------------------
    def start(self, sender: Sender) -> None:
        threading.Thread(target=self._run, args=(sender,), name="stripe-sim-webhooks", daemon=True).start()

    def stop(self) -> None:
        with self._wakeup:
            self._stopping = True
            self._wakeup.notify()

    def _run(self, sender: Sender) -> None:
        while True:
            with self._wakeup:
                while not self._pending and not self._stopping:
                    self._wakeup.wait()
                if self._stopping:
                    return
                event = self._pending.popleft()
            delivery = self._send(event, sender)
            delay = 1.0
            while not delivery.succeeded and delivery.attempts < MAX_ATTEMPTS and not self._stopping:
                time.sleep(delay)
                delay = min(delay * 2, 60.0)
                self._send(event, sender, delivery)
