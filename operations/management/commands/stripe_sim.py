"""`manage.py stripe_sim`: run the local Stripe simulator, or make it do a billing move.

manage.py stripe_sim                         # serve on STRIPE_SIM_PORT, webhooks to the app
manage.py stripe_sim renew sub_test_000004   # a paid renewal
manage.py stripe_sim fail_renewal sub_…      # a renewal whose card is declined (past_due)
manage.py stripe_sim retry in_…              # Stripe's next attempt at an open invoice succeeds
manage.py stripe_sim refund sub_…|ch_… [--amount 500]
manage.py stripe_sim dispute sub_…|ch_…
manage.py stripe_sim close dp_… --outcome won|lost
manage.py stripe_sim end sub_…               # Stripe ends the subscription
"""

import json
import signal
import threading
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from operations.stripe_sim import StripeSimulator

MOVES = ("renew", "fail_renewal", "retry", "refund", "dispute", "close", "end")
KINDS = {"sub": "subscriptions", "ch": "charges", "in": "invoices", "dp": "disputes"}


class Command(BaseCommand):
    help = "Run the local Stripe simulator (development only), or send it a billing move."

    def add_arguments(self, parser):
        parser.add_argument("move", nargs="?", choices=MOVES, help="A billing move for a running simulator.")
        parser.add_argument("object_id", nargs="?", help="The subscription, charge, invoice or dispute id.")
        parser.add_argument("--port", type=int, default=settings.STRIPE_SIM_PORT)
        parser.add_argument("--webhook-url", default=settings.STRIPE_SIM_WEBHOOK_URL)
        parser.add_argument(
            "--state-file",
            default=str(settings.BASE_DIR / ".stripe_sim.json"),
            help="Where the simulated account is kept across restarts ('' for memory only).",
        )
        parser.add_argument("--amount", type=int, help="refund: cents to refund (default: what is left).")
        parser.add_argument("--outcome", choices=("won", "lost"), default="won", help="close: how the dispute ends.")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("The Stripe simulator runs only with DJANGO_DEBUG=1: it fakes payments.")
        if options["move"]:
            return self._move(options)
        return self._serve(options)

    def _serve(self, options) -> None:
        if not settings.STRIPE_WEBHOOK_SECRET:
            raise CommandError("Set STRIPE_WEBHOOK_SECRET (any whsec_… value): the simulator signs webhooks with it.")
        state_file = Path(options["state_file"]) if options["state_file"] else None
        simulator = StripeSimulator(
            port=options["port"], webhook_secret=settings.STRIPE_WEBHOOK_SECRET, state_file=state_file
        ).start()
        simulator.deliver_to(options["webhook_url"])
        if settings.STRIPE_API_BASE.rstrip("/") != simulator.url:
            self.stderr.write(f"STRIPE_API_BASE is {settings.STRIPE_API_BASE!r}: the app will not call the simulator.")
        self.stdout.write(f"Stripe simulator on {simulator.url} (dashboard: {simulator.url}/)")
        self.stdout.write(f"Webhooks to {options['webhook_url']}, signed with STRIPE_WEBHOOK_SECRET")
        if state_file is not None:
            self.stdout.write(f"Account kept in {state_file} (delete it to start afresh)")
        stopped = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopped.set())
        stopped.wait()
        simulator.stop()

    def _move(self, options) -> None:
        object_id = options["object_id"] or ""
        kind = KINDS.get(object_id.split("_", 1)[0])
        if kind is None:
            raise CommandError("Give a subscription (sub_…), charge (ch_…), invoice (in_…) or dispute (dp_…) id.")
        form = {"outcome": options["outcome"]}
        if options["amount"]:
            form["amount"] = str(options["amount"])
        url = f"http://127.0.0.1:{options['port']}/_sim/{kind}/{object_id}/{options['move']}"
        request = urllib.request.Request(
            url,
            data="&".join(f"{key}={value}" for key, value in form.items()).encode(),
            headers={"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                answer = json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise CommandError(json.loads(error.read()).get("error", str(error))) from error
        except OSError as error:
            raise CommandError(f"No simulator on port {options['port']}: start it with bin/run --stripe-sim") from error
        self.stdout.write(f"{options['move']}: {answer['object']} {answer['id']}; events sent: {answer['events']}")
