"""A local HTTP server that answers the Stripe calls we make, the way Stripe answers them.

Tests point `STRIPE_API_BASE` at it, so the real SDK (encoding, headers, error mapping)
runs end to end. It records every request, keeps the objects it created, and can be told
to fail (`fail_next(status)`) or to hang past the client timeout (`hang_next(seconds)`).
"""

import copy
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from monetization.tests.stripe_fixtures import fixture_object


@dataclass
class RecordedRequest:
    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]


@dataclass
class _Fault:
    status: int = 0
    hang_seconds: float = 0.0


@dataclass
class StripeState:
    customers: dict[str, dict] = field(default_factory=dict)
    sessions: dict[str, dict] = field(default_factory=dict)
    subscriptions: dict[str, dict] = field(default_factory=dict)
    invoice_payments: dict[str, str] = field(default_factory=dict)  # payment intent id -> invoice id


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Turn Stripe's `a[b][0][c]=v` form encoding back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    if isinstance(node, dict):
        converted = {key: _lists(value) for key, value in node.items()}
        if converted and all(key.isdigit() for key in converted):
            return [converted[key] for key in sorted(converted, key=int)]
        return converted
    return node


def _error(status: int, message: str, code: str = "resource_missing") -> tuple[int, dict]:
    kind = "invalid_request_error" if status < 500 else "api_error"
    return status, {"error": {"type": kind, "code": code, "message": message}}


class FakeStripe:
    def __init__(self) -> None:
        self.state = StripeState()
        self.requests: list[RecordedRequest] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._idempotency_lock = threading.Lock()  # held across _route, which takes _lock
        self._ids = itertools.count(1)
        # Stripe replays a POST with a seen Idempotency-Key: same params, same answer.
        self._idempotent: dict[str, tuple[dict, int, dict]] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- lifecycle -------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeStripe":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- test controls -----------------------------------------------------------------
    def fail_next(self, status: int = 500, times: int = 1) -> None:
        with self._lock:
            self._faults.extend(_Fault(status=status) for _ in range(times))

    def hang_next(self, seconds: float, times: int = 1) -> None:
        with self._lock:
            self._faults.extend(_Fault(hang_seconds=seconds) for _ in range(times))

    def requests_to(self, method: str, path_prefix: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def add_subscription(self, subscription: dict) -> dict:
        self.state.subscriptions[subscription["id"]] = subscription
        return subscription

    def complete_session(self, session_id: str, subscription: dict, *, invoice_id: str | None = None) -> dict:
        """What Stripe holds once the customer paid: the session complete and its subscription live."""
        self.add_subscription(subscription)
        session = self.state.sessions[session_id]
        session.update(
            status="complete",
            payment_status="paid",
            subscription=subscription["id"],
            invoice=invoice_id,
            url=None,
        )
        return session

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids):06d}"

    # --- request handling ------------------------------------------------------------
    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):
                pass

            def _answer(self):
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                params = decode_form(parse_qsl(split.query) + parse_qsl(body))
                recorded = RecordedRequest(self.command, split.path, params, dict(self.headers.items()))
                with fake._lock:
                    fake.requests.append(recorded)
                    fault = fake._faults.pop(0) if fake._faults else None
                if fault and fault.hang_seconds:
                    time.sleep(fault.hang_seconds)
                if fault and fault.status:
                    status, payload = _error(fault.status, "Injected failure.", code="injected")
                else:
                    status, payload = fake._idempotent_route(self.command, split.path, params, self.headers)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Request-Id", f"req_{next(fake._ids)}")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            do_GET = _answer
            do_POST = _answer
            do_DELETE = _answer

        return Handler

    def _idempotent_route(self, method: str, path: str, params: dict, headers) -> tuple[int, dict]:
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
        parts = path.strip("/").split("/")
        with self._lock:
            if method == "POST" and path == "/v1/customers":
                return 200, self._create_customer(params)
            if method == "POST" and path == "/v1/checkout/sessions":
                return 200, self._create_session(params)
            if method == "GET" and parts[:3] == ["v1", "checkout", "sessions"] and len(parts) == 4:
                session = self.state.sessions.get(parts[3])
                if session is None:
                    return _error(404, f"No such checkout.session: '{parts[3]}'")
                session = copy.deepcopy(session)
                if "subscription" in (params.get("expand") or []) and session.get("subscription"):
                    session["subscription"] = copy.deepcopy(self.state.subscriptions.get(session["subscription"]))
                return 200, session
            if parts[:2] == ["v1", "subscriptions"] and len(parts) == 3:
                subscription = self.state.subscriptions.get(parts[2])
                if subscription is None:
                    return _error(404, f"No such subscription: '{parts[2]}'")
                if method == "POST" and "cancel_at_period_end" in params:
                    subscription["cancel_at_period_end"] = params["cancel_at_period_end"] == "true"
                    period_end = subscription["items"]["data"][0]["current_period_end"]
                    subscription["cancel_at"] = period_end if subscription["cancel_at_period_end"] else None
                    subscription["canceled_at"] = int(time.time()) if subscription["cancel_at_period_end"] else None
                return 200, copy.deepcopy(subscription)
            if method == "GET" and path == "/v1/invoice_payments":
                payment_intent = (params.get("payment") or {}).get("payment_intent")
                invoice = self.state.invoice_payments.get(payment_intent)
                data = [{"object": "invoice_payment", "id": f"inpay_{invoice}", "invoice": invoice}] if invoice else []
                return 200, {"object": "list", "data": data, "has_more": False, "url": path}
        return _error(404, f"Unrecognized request URL ({method}: {path}).", code="unknown_route")

    def _create_customer(self, params: dict) -> dict:
        customer = copy.deepcopy(fixture_object("customer.json"))
        customer.update(
            id=self.new_id("cus"),
            email=params.get("email"),
            metadata=params.get("metadata") or {},
            created=int(time.time()),
        )
        self.state.customers[customer["id"]] = customer
        return customer

    def _create_session(self, params: dict) -> dict:
        session = copy.deepcopy(fixture_object("checkout_session.json"))
        session_id = self.new_id("cs")
        session.update(
            id=session_id,
            object="checkout.session",
            mode=params.get("mode"),
            customer=params.get("customer"),
            client_reference_id=params.get("client_reference_id"),
            metadata=params.get("metadata") or {},
            success_url=params.get("success_url"),
            cancel_url=params.get("cancel_url"),
            status="open",
            payment_status="unpaid",
            subscription=None,
            payment_intent=None,
            invoice=None,
            amount_total=2000,
            amount_subtotal=2000,
            currency="usd",
            created=int(time.time()),
            url=f"https://checkout.stripe.com/c/pay/{session_id}",
        )
        self.state.sessions[session_id] = session
        return session
