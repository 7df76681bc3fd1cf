import importlib
import logging
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.outbox import OutboxWorker, _handlers, default_worker_id, process_outbox
from core.outbox.periodic import enabled_tasks

logger = logging.getLogger("core.outbox.worker")


class Command(BaseCommand):
    help = (
        "Dispatch outbox events: one batch (--once) or until SIGTERM/SIGINT (--loop). Idle workers "
        "wake on PostgreSQL NOTIFY at once and poll every --interval seconds as a fallback."
    )

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--once", action="store_true", help="Process one batch and exit (the default).")
        mode.add_argument("--loop", action="store_true", help="Keep processing until stopped.")
        parser.add_argument(
            "--interval",
            type=float,
            default=settings.OUTBOX_POLL_INTERVAL_SECONDS,
            help="Seconds between polls when idle (a fallback on PostgreSQL, where NOTIFY wakes workers).",
        )
        parser.add_argument("--batch-size", type=int, default=settings.OUTBOX_BATCH_SIZE)
        parser.add_argument("--max-runtime", type=float, help="Exit (status 0) after this many seconds.")
        parser.add_argument("--max-events", type=int, help="Exit (status 0) after claiming this many events.")
        parser.add_argument("--worker-id", default=None, help="Lease holder name (default host:pid).")
        parser.add_argument(
            "--ordered",
            action="store_true",
            help="Per-aggregate order: never two events of one aggregate in flight (run every worker with it).",
        )
        parser.add_argument(
            "--synchronous-commit",
            action="store_true",
            help="Wait for the WAL flush on the worker's own commits (default: asynchronous, see docs/outbox.md).",
        )
        parser.add_argument(
            "--handlers-module",
            action="append",
            default=[],
            help="Import this module too, for handlers outside an app's handlers.py (repeatable).",
        )

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        for module in options["handlers_module"]:
            importlib.import_module(module)
        worker_id = options["worker_id"] or default_worker_id()
        _log_start(worker_id, options)
        if not options["loop"]:
            count = process_outbox(limit=options["batch_size"], worker_id=worker_id, ordered=options["ordered"])
            self.stdout.write(f"processed {count} events")
            return
        worker = OutboxWorker(
            worker_id=worker_id,
            batch_size=options["batch_size"],
            interval=options["interval"],
            ordered=options["ordered"],
            max_events=options["max_events"],
            max_runtime=options["max_runtime"],
            synchronous_commit=options["synchronous_commit"],
        )

        def request_stop(signum, frame):
            worker.stop()

        # The current batch finishes and its outcomes are written before the process exits 0.
        previous = {signum: signal.signal(signum, request_stop) for signum in (signal.SIGTERM, signal.SIGINT)}
        try:
            count = worker.run()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write(f"worker {worker_id} stopped after {count} events")


def _log_start(worker_id: str, options: dict) -> None:
    """One line saying what this worker will do: settings in force, database, handlers."""
    on_postgres = connection.vendor == "postgresql"
    # Behind a transaction pooler the worker sets nothing on its session (see the worker).
    sets_async_commit = on_postgres and not settings.DATABASE_POOLER
    logger.info(
        "outbox worker started",
        extra={
            "worker_id": worker_id,
            "mode": "loop" if options["loop"] else "once",
            "backend": connection.vendor,
            "wakeup": "LISTEN/NOTIFY + poll" if on_postgres else "poll",
            "settings": {
                "batch_size": options["batch_size"],
                "interval_seconds": options["interval"],
                "ordered": options["ordered"],
                "synchronous_commit": options["synchronous_commit"] or not sets_async_commit,
                "database_pooler": settings.DATABASE_POOLER or None,
                "lease_seconds": settings.OUTBOX_LEASE_SECONDS,
                "max_retries": settings.OUTBOX_MAX_RETRIES,
            },
            # Seconds between runs of each timed task this worker runs beside dispatch (loop only).
            "periodic_tasks": {task.name: seconds for task, seconds in enabled_tasks()} if options["loop"] else {},
            "handlers": {
                event_type: [f"{handler.__module__}.{handler.__qualname__}" for handler in handlers]
                for event_type, handlers in sorted(_handlers.items())
            },
        },
    )
