"""The soak's traffic: a locust user mix over two gunicorn instances, and every request recorded.

Weights: browse the feed 60, detail 20, comments and votes 10, sign-in 5, checkout 5 (a fresh
buyer signs in, starts a Checkout session, pays on the Stripe simulator's page, confirms).
Each request goes to the next instance in rotation (a client-side round robin, what a load
balancer does); `Balancer.drain` takes one out of rotation before it is restarted.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
import uuid
from dataclasses import dataclass, field

from locust import HttpUser, between, task

PRICE = "price_sim_premium_monthly"
FRONTEND = "http://localhost:5173"


class Balancer:
    def __init__(self, hosts: list[str]) -> None:
        self.hosts = list(hosts)
        self._in_rotation = list(hosts)
        self._turn = itertools.count()
        self.in_flight = dict.fromkeys(hosts, 0)  # requests sent to each instance and not answered yet

    def pick(self) -> str:
        rotation = self._in_rotation
        host = rotation[next(self._turn) % len(rotation)]
        self.in_flight[host] += 1
        return host

    def done(self, url: str) -> None:
        for host in self.hosts:
            if url.startswith(host + "/"):
                self.in_flight[host] -= 1

    def drain(self, host: str) -> None:
        self._in_rotation = [other for other in self._in_rotation if other != host]

    def restore(self, host: str) -> None:
        self._in_rotation = [other for other in self.hosts if other in self._in_rotation or other == host]


@dataclass
class Recorder:
    """Every request: (start, endpoint, milliseconds, status or 0 when no answer came)."""

    rows: list[tuple[float, str, float, int]] = field(default_factory=list)
    # Why each unanswered request got nothing: (start, endpoint, the exception).
    unanswered: list[tuple[float, str, str]] = field(default_factory=list)

    balancer: Balancer | None = None

    def on_request(self, name, response_time, response, exception, start_time=None, url="", **_):
        if self.balancer is not None:
            self.balancer.done(url)
        status = getattr(response, "status_code", 0) or 0
        started = start_time or time.time() - response_time / 1000
        if exception is not None and status < 400:
            status = 0  # no answer: refused, reset or timed out
            self.unanswered.append((started, name, repr(exception)[:300]))
        self.rows.append((started, name, response_time, status))


class Mix:
    """What the users share: where to send requests, the data to use, the buyers still unused."""

    balancer: Balancer
    stripe_sim: str
    data: dict
    _buyers: itertools.count = itertools.count()
    _lock = threading.Lock()

    @classmethod
    def configure(cls, balancer: Balancer, stripe_sim: str, data: dict) -> None:
        cls.balancer, cls.stripe_sim, cls.data = balancer, stripe_sim, data

    @classmethod
    def next_buyer(cls) -> str | None:
        with cls._lock:
            index = next(cls._buyers)
        buyers = cls.data["buyers"]
        return buyers[index] if index < len(buyers) else None


class Visitor(HttpUser):
    host = "http://127.0.0.1"  # each request names its instance (Balancer)
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.token = self._sign_in(random.choice(Mix.data["readers"]))

    def _url(self, path: str) -> str:
        return Mix.balancer.pick() + path

    def _auth(self, token: str | None = None) -> dict:
        return {"Authorization": f"Bearer {token or self.token}"}

    def _sign_in(self, email: str) -> str | None:
        response = self.client.post(
            self._url("/api/auth/login/"), json={"email": email, "password": Mix.data["password"]}, name="sign-in"
        )
        return response.json()["data"]["access_token"] if response.status_code == 200 else None

    @task(60)
    def browse_feed(self) -> None:
        self.client.get(self._url(f"/api/feed/?page={random.randint(1, 5)}&page_size=20"), name="feed")

    @task(20)
    def detail(self) -> None:
        resource = random.choice(Mix.data["resources"])
        self.client.get(self._url(f"/api/resources/{resource}/detail/"), name="detail")

    @task(10)
    def comment_or_vote(self) -> None:
        if random.random() < 0.5:
            resource = random.choice(Mix.data["resources"])
            self.client.post(
                self._url(f"/api/resources/{resource}/comments/"),
                json={"content": f"soak comment {uuid.uuid4().hex[:8]}"},
                headers=self._auth(),
                name="comment",
            )
        else:
            self.client.post(
                self._url("/api/comments/vote/"),
                json={"comment_id": random.choice(Mix.data["comments"]), "vote_value": random.choice([1, -1])},
                headers=self._auth(),
                name="vote",
            )

    @task(5)
    def sign_in(self) -> None:
        self.token = self._sign_in(random.choice(Mix.data["readers"])) or self.token

    @task(5)
    def checkout(self) -> None:
        buyer = Mix.next_buyer()
        token = buyer and self._sign_in(buyer)
        if not token:
            return
        started = self.client.post(
            self._url("/api/billing/checkout/"),
            json={"price_id": PRICE, "success_url": f"{FRONTEND}/ok?s={{CHECKOUT_SESSION_ID}}", "cancel_url": FRONTEND},
            headers={**self._auth(token), "Idempotency-Key": uuid.uuid4().hex},
            name="checkout",
        )
        if started.status_code != 200:
            return
        session = started.json()["data"]["sessionId"]
        self.client.post(
            f"{Mix.stripe_sim}/c/pay/{session}",
            data={"card_number": "4242424242424242"},
            allow_redirects=False,
            name="stripe-sim pay",
        )
        self.client.post(
            self._url("/api/billing/checkout/confirm/"),
            json={"session_id": session},
            headers=self._auth(token),
            name="checkout confirm",
        )
