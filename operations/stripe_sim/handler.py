"""The simulator's HTTP handler: routes each request to the API, the hosted page, the dashboard or a move."""

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from operations.stripe_sim import api, pages
from operations.stripe_sim.forms import decode_form


@dataclass
class RecordedRequest:
    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]
    client_port: int = 0  # which connection it came on: a client that keeps its connection reuses one


# The longest a held request waits for its release: a test that forgets to release still ends.
MAX_HOLD_SECONDS = 60


@dataclass
class Fault:
    status: int = 0
    hang_seconds: float = 0.0
    until: threading.Event | None = None  # answer only once the test sets it


def handler_class(sim):
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as Stripe's servers do: every answer carries its Content-Length.
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):
            pass

        def _answer(self):
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            if split.path.startswith("/v1/"):
                return self._api(split, body)
            form = dict(parse_qsl(body))
            if split.path.startswith("/c/pay/"):
                parts = split.path.strip("/").split("/")
                if self.command == "GET":
                    status, html = sim.checkout_page(parts[2])
                    return self._send(status, "text/html", html.encode())
                authenticate = form.get("action", "fail") if parts[-1] == "authenticate" else ""
                status, html, location = sim.submit_checkout(parts[2], form, authenticate=authenticate)
                return self._send(status, "text/html", html.encode(), location=location)
            if self.command == "POST" and split.path.startswith("/_sim/"):
                status, payload = sim.control(split.path, form)
                if "application/json" in (self.headers.get("Accept") or ""):
                    return self._send(status, "application/json", json.dumps(payload).encode())
                return self._send(303, "text/html", b"", location="/")
            if self.command == "GET" and split.path == "/":
                html = pages.dashboard(sim.state, sim.webhooks.deliveries, webhook_url=sim.webhook_url)
                return self._send(200, "text/html", html.encode())
            return self._send(404, "text/plain", b"not found")

        def _api(self, split, body: str):
            params = decode_form(parse_qsl(split.query) + parse_qsl(body))
            fault = sim.record(
                RecordedRequest(self.command, split.path, params, dict(self.headers.items()), self.client_address[1])
            )
            if fault and fault.hang_seconds:
                time.sleep(fault.hang_seconds)
            if fault and fault.until is not None:
                fault.until.wait(timeout=MAX_HOLD_SECONDS)
            if fault and fault.status:
                status, payload = api.error(fault.status, "Injected failure.", code="injected")
            else:
                status, payload = sim.answer_api(self.command, split.path, params, self.headers)
            self._send(status, "application/json", json.dumps(payload).encode(), request_id=sim.new_id("req"))

        def _send(self, status: int, content_type: str, data: bytes, *, location: str = "", request_id: str = ""):
            try:
                self.send_response(status)
                self.send_header("Content-Type", f"{content_type}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                if location:
                    self.send_header("Location", location)
                if request_id:
                    self.send_header("Request-Id", request_id)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        do_GET = _answer
        do_POST = _answer
        do_DELETE = _answer

    return Handler
