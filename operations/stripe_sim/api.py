"""The Stripe API calls the app makes (and `GET /v1/events` for reconciliation), answered as Stripe does."""

import copy

from operations.stripe_sim.ledger import Ledger
from operations.stripe_sim.objects import list_object

LISTABLE = {"invoices": "invoices", "charges": "charges", "payment_intents": "payment_intents", "disputes": "disputes"}


def error(status: int, message: str, code: str = "resource_missing", kind: str | None = None) -> tuple[int, dict]:
    kind = kind or ("invalid_request_error" if status < 500 else "api_error")
    return status, {"error": {"type": kind, "code": code, "message": message}}


def route(ledger: Ledger, events: list[dict], method: str, path: str, params: dict, *, url_for) -> tuple[int, dict]:
    state = ledger.state
    parts = path.strip("/").split("/")
    if method == "POST" and path == "/v1/customers":
        return 200, ledger.create_customer(params)
    if method == "POST" and path == "/v1/checkout/sessions":
        return 200, ledger.create_session(params, url_for=url_for)
    if method == "GET" and parts[:3] == ["v1", "checkout", "sessions"] and len(parts) == 4:
        session = state.sessions.get(parts[3])
        if session is None:
            return error(404, f"No such checkout.session: '{parts[3]}'")
        session = copy.deepcopy(session)
        if "subscription" in (params.get("expand") or []) and session.get("subscription"):
            session["subscription"] = copy.deepcopy(state.subscriptions.get(session["subscription"]))
        return 200, session
    if parts[:2] == ["v1", "subscriptions"] and len(parts) == 3:
        if parts[2] not in state.subscriptions:
            return error(404, f"No such subscription: '{parts[2]}'")
        if method == "POST":
            return 200, copy.deepcopy(ledger.update_subscription(parts[2], params))
        return 200, copy.deepcopy(state.subscriptions[parts[2]])
    if method == "GET" and path == "/v1/invoice_payments":
        payment_intent = (params.get("payment") or {}).get("payment_intent")
        invoice = state.invoice_payments.get(payment_intent)
        data = [{"object": "invoice_payment", "id": f"inpay_{invoice}", "invoice": invoice}] if invoice else []
        return 200, list_object(data, path)
    if method == "GET" and path == "/v1/events":
        return 200, _events_page(events, params)
    if method == "GET" and parts[:2] == ["v1", "events"] and len(parts) == 3:
        found = next((event for event in events if event["id"] == parts[2]), None)
        return (200, found) if found else error(404, f"No such event: '{parts[2]}'")
    if method == "GET" and len(parts) == 3 and parts[1] in LISTABLE:
        found = getattr(state, LISTABLE[parts[1]]).get(parts[2])
        return (200, copy.deepcopy(found)) if found else error(404, f"No such {parts[1][:-1]}: '{parts[2]}'")
    return error(404, f"Unrecognized request URL ({method}: {path}).", code="unknown_route")


def _events_page(events: list[dict], params: dict) -> dict:
    """Newest first, `created[gte]`, `type`, `types[]`, `limit` and `starting_after` as Stripe pages them."""
    created = params.get("created") or {}
    since = int(created["gte"]) if isinstance(created, dict) and created.get("gte") else None
    types = set(params.get("types") or ([params["type"]] if params.get("type") else []))
    wanted = [
        event
        for event in reversed(events)
        if (since is None or event["created"] >= since) and (not types or event["type"] in types)
    ]
    if params.get("starting_after"):
        ids = [event["id"] for event in wanted]
        wanted = wanted[ids.index(params["starting_after"]) + 1 :] if params["starting_after"] in ids else []
    limit = max(1, min(int(params.get("limit") or 10), 100))
    return list_object(copy.deepcopy(wanted[:limit]), "/v1/events", has_more=len(wanted) > limit)
