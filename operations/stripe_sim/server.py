"""The simulator's HTTP server: Stripe's API under /v1/, the hosted checkout page under /c/pay/,
the dashboard at / and its buttons under /_sim/ (also what `manage.py stripe_sim <move>` calls).

Tests point `STRIPE_API_BASE` at it, so the real SDK (encoding, headers, error mapping) runs
end to end. It records every API request and can be told to fail (`fail_next(status)`) or to
hang past the client timeout (`hang_next(seconds)`) or until the test releases it (`hold_next(event)`).
"""

import json
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

from operations.stripe_sim import api, objects, pages
from operations.stripe_sim.cards import UNKNOWN_CARD, card_for
from operations.stripe_sim.handler import Fault, RecordedRequest, handler_class
from operations.stripe_sim.ledger import Ledger, SimulationError
from operations.stripe_sim.webhooks import Delivery, Sender, WebhookQueue, http_sender

KEPT_EVENTS = 1000  # what a restarted simulator still lists on GET /v1/events
AUTHENTICATION_FAILED = (
    "We are unable to authenticate your payment method. Please choose a different payment method and try again."
)


class StripeSimulator:
    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, webhook_secret: str = "", state_file: Path | None = None
    ) -> None:
        self.events: list[dict] = []
        self.requests: list[RecordedRequest] = []
        self.webhooks = WebhookQueue(webhook_secret)
        self.webhook_url = ""
        self.ledger = Ledger(self._emit)
        self._faults: list[Fault] = []
        self._lock = threading.RLock()
        self._idempotency_lock = threading.Lock()  # held across routing, which takes _lock
        # Stripe replays a POST with a seen Idempotency-Key: same params, same answer.
        self._idempotent: dict[str, tuple[dict, int, dict]] = {}
        self._awaiting_authentication: set[str] = set()
        self._server = ThreadingHTTPServer((host, port), handler_class(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="stripe-sim", daemon=True)
        # The dev tool keeps the account across restarts: the app remembers sessions and subscriptions.
        self._state_file = state_file
        if state_file is not None and state_file.is_file():
            saved = json.loads(state_file.read_text())
            self.ledger.restore(saved["ledger"])
            self.events = saved["events"]

    # --- lifecycle -------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def state(self):
        return self.ledger.state

    def start(self) -> "StripeSimulator":
        self._thread.start()
        return self

    def deliver_to(self, webhook_url: str) -> None:
        """Send every event to the app from now on, from a background thread, retrying failures."""
        self.webhook_url = webhook_url
        self.webhooks.start(http_sender(webhook_url))

    def stop(self) -> None:
        self.webhooks.stop()
        if self._thread.is_alive():  # shutdown() waits for a serve_forever that never started
            self._server.shutdown()
        self._server.server_close()

    def deliver_pending(self, sender: Sender) -> list[Delivery]:
        return self.webhooks.deliver_pending(sender)

    # --- test controls -----------------------------------------------------------------
    def fail_next(self, status: int = 500, times: int = 1, *, after: int = 0) -> None:
        """Answer `status` to `times` requests, once `after` more requests were answered normally."""
        with self._lock:
            self._faults.extend([Fault()] * after)
            self._faults.extend(Fault(status=status) for _ in range(times))

    def hang_next(self, seconds: float, times: int = 1, *, after: int = 0) -> None:
        with self._lock:
            self._faults.extend([Fault()] * after)
            self._faults.extend(Fault(hang_seconds=seconds) for _ in range(times))

    def hold_next(self, until: threading.Event, *, after: int = 0) -> None:
        """Keep the next request (after `after` answered ones) waiting until `until` is set, then answer it."""
        with self._lock:
            self._faults.extend([Fault()] * after)
            self._faults.append(Fault(until=until))

    def requests_to(self, method: str, path_prefix: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def add_subscription(self, subscription: dict) -> dict:
        self.state.subscriptions[subscription["id"]] = subscription
        return subscription

    def complete_session(self, session_id: str, subscription: dict, *, invoice_id: str | None = None) -> dict:
        """What Stripe holds once the customer paid, without the payment's objects or events."""
        self.add_subscription(subscription)
        session = self.state.sessions[session_id]
        session.update(status="complete", payment_status="paid", subscription=subscription["id"], invoice=invoice_id)
        session["url"] = None
        return session

    def new_id(self, prefix: str) -> str:
        return self.ledger.new_id(prefix)

    # --- billing moves (the dashboard's buttons) ---------------------------------------
    def pay(self, session_id: str, card_number: str = "4242424242424242") -> dict:
        """The customer submits the hosted page with this card and, if asked, completes authentication."""
        card = card_for(card_number)
        if card is None or card.outcome == "declined":
            raise SimulationError(card.decline_message if card else UNKNOWN_CARD)
        with self._lock:
            session = self.ledger.pay_session(session_id, card)
            self.save()
            return session

    def move(self, name: str, object_id: str, **options) -> dict:
        """One of the dashboard's moves by name: renew, fail_renewal, refund, dispute, end, retry, close."""
        with self._lock:
            ledger = self.ledger
            if name in ("refund", "dispute") and object_id.startswith("sub_"):
                charge = ledger.latest_charge(object_id)
                if charge is None:
                    raise SimulationError(f"Subscription {object_id} has no paid invoice yet.")
                object_id = charge["id"]
            moves = {
                "renew": lambda: ledger.renew(object_id),
                "fail_renewal": lambda: ledger.renew(object_id, succeed=False),
                "retry": lambda: ledger.retry_invoice(object_id),
                "refund": lambda: ledger.refund(object_id, options.get("amount")),
                "dispute": lambda: ledger.dispute(object_id),
                "close": lambda: ledger.close_dispute(object_id, won=options.get("outcome", "won") == "won"),
                "end": lambda: ledger.end_subscription(object_id),
            }
            if name not in moves:
                raise SimulationError(f"Unknown move {name!r}.")
            try:
                result = moves[name]()
            except KeyError as error:
                raise SimulationError(f"No such object: {error}") from error
            self.save()
            return result

    # --- internals ---------------------------------------------------------------------
    def save(self) -> None:
        """Write the account to the state file, if any (after every change; callers hold the lock)."""
        if self._state_file is None:
            return
        saved = {"ledger": self.ledger.snapshot(), "events": self.events[-KEPT_EVENTS:]}
        partial = self._state_file.with_suffix(".partial")
        partial.write_text(json.dumps(saved))
        partial.replace(self._state_file)

    def _emit(self, event_type: str, obj: dict, previous_attributes: dict | None = None) -> dict:
        event = objects.event(
            self.ledger.new_id("evt"),
            event_type=event_type,
            obj=obj,
            now=int(time.time()),
            previous_attributes=previous_attributes,
        )
        self.events.append(event)
        self.webhooks.enqueue(event)
        return event

    def _checkout_url(self, session_id: str) -> str:
        return f"{self.url}/c/pay/{session_id}"

    def record(self, request: RecordedRequest) -> Fault | None:
        """Keep an API request; returns the fault a test asked for, if any."""
        with self._lock:
            self.requests.append(request)
            return self._faults.pop(0) if self._faults else None

    def answer_api(self, method: str, path: str, params: dict, headers) -> tuple[int, dict]:
        if not (headers.get("Authorization") or "").startswith("Bearer sk_test_"):
            return api.error(
                401, "Invalid API Key provided: use a test key (sk_test_...).", code="", kind="invalid_request_error"
            )
        key = headers.get("Idempotency-Key") if method == "POST" else None
        if key is None:
            return self._route(method, path, params)
        with self._idempotency_lock:
            seen = self._idempotent.get(key)
            if seen is None:
                status, payload = self._route(method, path, params)
                self._idempotent[key] = (params, status, payload)
                return status, payload
        seen_params, status, payload = seen
        if seen_params != params:
            message = (
                "Keys for idempotent requests can only be used with the same parameters they were first used with."
            )
            return 400, {"error": {"type": "idempotency_error", "message": message}}
        return status, payload

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        with self._lock:
            answer = api.route(self.ledger, self.events, method, path, params, url_for=self._checkout_url)
            if method == "POST":
                self.save()
            return answer

    def checkout_page(self, session_id: str) -> tuple[int, str]:
        with self._lock:
            session = self.state.sessions.get(session_id)
            if session is None:
                return 404, "<h1>No such checkout session.</h1>"
            email = (self.state.customers.get(session["customer"] or "") or {}).get("email")
            return 200, pages.checkout_page(session, email=email)

    def submit_checkout(self, session_id: str, form: dict[str, str], *, authenticate: str = "") -> tuple[int, str, str]:
        """(status, html, redirect) for a submitted hosted page or authentication step."""
        with self._lock:
            session = self.state.sessions.get(session_id)
            if session is None:
                return 404, "<h1>No such checkout session.</h1>", ""
            email = (self.state.customers.get(session["customer"] or "") or {}).get("email")
            if authenticate:
                if session_id not in self._awaiting_authentication:
                    return 400, pages.checkout_page(session, email=email), ""
                self._awaiting_authentication.discard(session_id)
                if authenticate != "complete":
                    return 402, pages.checkout_page(session, email=email, error=AUTHENTICATION_FAILED), ""
                card_number = "4000002500003155"
            else:
                card = card_for(form.get("card_number", ""))
                if card is not None and card.outcome == "authenticate":
                    self._awaiting_authentication.add(session_id)
                    return 200, pages.authentication_page(session), ""
                card_number = form.get("card_number", "")
            try:
                self.pay(session_id, card_number)
            except SimulationError as error:
                return 402, pages.checkout_page(session, email=email, error=str(error)), ""
            return 303, "", (session["success_url"] or "/").replace("{CHECKOUT_SESSION_ID}", session_id)

    def control(self, path: str, form: dict[str, str]) -> tuple[int, dict]:
        parts = path.strip("/").split("/")  # _sim, <kind>, <id>, <move>
        if len(parts) != 4:
            return 404, {"error": "unknown control"}
        options = {"outcome": form.get("outcome", "won")}
        if form.get("amount"):
            options["amount"] = int(form["amount"])
        with self._lock:
            before = len(self.events)
            try:
                result = self.move(parts[3], parts[2], **options)
            except SimulationError as error:
                return 400, {"error": str(error)}
            sent = [event["type"] for event in self.events[before:]]
        return 200, {"id": result["id"], "object": result["object"], "events": sent}
