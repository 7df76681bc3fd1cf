from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from monetization.services.subscriptions import expire_lapsed_batch


class Command(BaseCommand):
    help = "Mark premium subscriptions whose paid period is over EXPIRED (emits billing.subscription_expired)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        now, batch_size, expired = timezone.now(), options["batch_size"], 0
        while True:
            # One transaction per batch: its rows commit, and their locks go, before the next batch.
            with transaction.atomic():
                count = expire_lapsed_batch(now=now, batch_size=batch_size)
            expired += count
            if count < batch_size:
                break
        self.stdout.write(f"expired {expired} subscriptions")
