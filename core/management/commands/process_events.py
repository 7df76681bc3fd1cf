import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from core.outbox import process_outbox


class Command(BaseCommand):
    help = "Dispatch outbox events: once, or in a loop until SIGTERM/SIGINT."

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--once", action="store_true", help="Process one batch and exit.")
        mode.add_argument("--loop", action="store_true", help="Keep processing until stopped.")
        parser.add_argument("--interval", type=float, default=settings.OUTBOX_POLL_INTERVAL_SECONDS)
        parser.add_argument("--batch-size", type=int, default=settings.OUTBOX_BATCH_SIZE)

    def handle(self, *args, **options):
        stopping = False

        def request_stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        batch_size = options["batch_size"]
        if not options["loop"]:
            count = process_outbox(limit=batch_size)
            self.stdout.write(f"processed {count} events")
            return
        while not stopping:
            if process_outbox(limit=batch_size) == 0 and not stopping:
                time.sleep(options["interval"])
