from django.core.management.base import BaseCommand, CommandError

from application.dto.billing import ReconcileStripeCommand
from application.use_cases.reconcile_stripe import MAX_WINDOW_HOURS, reconcile_stripe


class Command(BaseCommand):
    help = (
        "Apply the Stripe events our webhook missed (oldest first, through the webhook's processing) "
        "and repair local subscriptions that differ from Stripe. Exits non-zero when something failed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since-hours", type=int, default=72, help=f"How far back to list events (at most {MAX_WINDOW_HOURS})."
        )
        parser.add_argument("--dry-run", action="store_true", help="Print what would be applied; change nothing.")

    def handle(self, *args, **options):
        report = reconcile_stripe(
            ReconcileStripeCommand(since_hours=options["since_hours"], dry_run=options["dry_run"])
        )
        if report.locked_out:
            raise CommandError("Another Stripe reconciliation is running; this one did nothing.")
        for line in report.would_apply:
            self.stdout.write(f"would {line}")
        prefix = "dry run: " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefix}events fetched {report.events_fetched}, new {report.events_new}, failed {report.events_failed}; "
            f"subscriptions checked {report.subscriptions_checked}, repaired {report.subscriptions_repaired}, "
            f"failed {report.subscriptions_failed}"
        )
        if report.error:
            raise CommandError(report.error)
        if not report.ok:
            raise CommandError("Some events or subscriptions failed; see the log, then run it again.")
