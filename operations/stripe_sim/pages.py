"""The simulator's HTML: the hosted checkout page, the authentication step and the dashboard."""

import time
from html import escape

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1a1f36}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}label{display:block;margin:.6rem 0 .2rem}
input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}button{font:inherit;padding:.4rem .8rem;margin:.2rem}
.error{background:#fde8e8;padding:.6rem;border-radius:4px}.note{color:#697386;font-size:.9rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
td,th{border-bottom:1px solid #e3e8ee;padding:.3rem;text-align:left}
form.inline{display:inline}
"""


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def _utc(unix: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(unix))


def _money(amount: int, currency: str) -> str:
    return f"{amount / 100:.2f} {currency.upper()}"


def checkout_page(session: dict, *, email: str | None, error: str = "") -> str:
    session_id = escape(session["id"])
    notice = f"<p class=error role=alert>{escape(error)}</p>" if error else ""
    cancel = f'<p><a href="{escape(session["cancel_url"] or "#")}">Cancel and go back</a></p>'
    if session["status"] != "open":
        return _page("Checkout", f"<h1>This checkout session is {escape(session['status'])}.</h1>{cancel}")
    body = f"""
<h1>Ressourcefy Premium — {_money(session["amount_total"], session["currency"])} per month</h1>
<p class=note>Stripe simulator: no real money moves. Test cards: 4242 4242 4242 4242 succeeds,
4000 0000 0000 0341 is declined, 4000 0025 0000 3155 asks for authentication.</p>
{notice}
<form method=post action="/c/pay/{session_id}">
<label for=email>Email</label><input id=email name=email type=email value="{escape(email or "")}">
<label for=card>Card number</label><input id=card name=card_number inputmode=numeric
  autocomplete=cc-number value="4242 4242 4242 4242">
<label for=exp>Expiry (MM / YY)</label><input id=exp name=expiry value="12 / 34">
<label for=cvc>CVC</label><input id=cvc name=cvc value="123">
<p><button type=submit>Subscribe</button></p>
</form>{cancel}"""
    return _page("Checkout", body)


def authentication_page(session: dict) -> str:
    session_id = escape(session["id"])
    body = f"""
<h1>Authenticate this payment</h1>
<p>Your bank asks you to confirm a payment of {_money(session["amount_total"], session["currency"])}
(the 3D Secure step that card 4000 0025 0000 3155 triggers).</p>
<form method=post action="/c/pay/{session_id}/authenticate">
<button type=submit name=action value=complete>Complete authentication</button>
<button type=submit name=action value=fail>Fail authentication</button>
</form>"""
    return _page("Authenticate", body)


def _button(action: str, label: str, **fields: str) -> str:
    hidden = "".join(f"<input type=hidden name={escape(k)} value='{escape(v)}'>" for k, v in fields.items())
    return f"<form class=inline method=post action='{escape(action)}'>{hidden}<button>{escape(label)}</button></form>"


def dashboard(state, deliveries, *, webhook_url: str) -> str:
    rows = []
    for sub in reversed(list(state.subscriptions.values())):
        item = sub["items"]["data"][0]
        sub_id = sub["id"]
        actions = [
            _button(f"/_sim/subscriptions/{sub_id}/renew", "Renew (paid)"),
            _button(f"/_sim/subscriptions/{sub_id}/fail_renewal", "Renew (card declined)"),
            _button(f"/_sim/subscriptions/{sub_id}/refund", "Refund latest payment"),
            _button(f"/_sim/subscriptions/{sub_id}/dispute", "Dispute latest payment"),
            _button(f"/_sim/subscriptions/{sub_id}/end", "End subscription"),
        ]
        latest = state.invoices.get(sub["latest_invoice"] or "")
        if latest and latest["status"] == "open":
            actions.append(_button(f"/_sim/invoices/{latest['id']}/retry", "Retry open invoice (paid)"))
        rows.append(
            f"<tr><td>{escape(sub_id)}<br><span class=note>{escape(str(sub['metadata']))}</span></td>"
            f"<td>{escape(sub['status'])}{' (cancels at period end)' if sub['cancel_at_period_end'] else ''}</td>"
            f"<td>{_utc(item['current_period_end'])}</td><td>{''.join(actions)}</td></tr>"
        )
    disputes = [
        f"<tr><td>{escape(d['id'])}</td><td>{escape(d['charge'])}</td><td>{escape(d['status'])}</td><td>"
        + _button(f"/_sim/disputes/{d['id']}/close", "Close as won", outcome="won")
        + _button(f"/_sim/disputes/{d['id']}/close", "Close as lost", outcome="lost")
        + "</td></tr>"
        for d in state.disputes.values()
        if d["status"] not in ("won", "lost")
    ]
    sent = [
        f"<tr><td>{escape(d.event_type)}</td><td>{escape(d.event_id)}</td>"
        f"<td>{d.status or escape(d.error)}</td><td>{d.attempts}</td></tr>"
        for d in reversed(deliveries[-30:])
    ]
    body = f"""
<h1>Stripe simulator</h1>
<p class=note>Webhooks go to {escape(webhook_url or "(nowhere: no webhook URL)")}.</p>
<h2>Subscriptions</h2>
<table><tr><th>id</th><th>status</th><th>period ends</th><th>make Stripe…</th></tr>{"".join(rows)}</table>
<h2>Open disputes</h2>
<table><tr><th>id</th><th>charge</th><th>status</th><th></th></tr>{"".join(disputes)}</table>
<h2>Latest webhook deliveries</h2>
<table><tr><th>type</th><th>event</th><th>app answered</th><th>attempts</th></tr>{"".join(sent)}</table>"""
    return _page("Stripe simulator", body)
