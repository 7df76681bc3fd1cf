from django.core.management.base import BaseCommand

from monetization.services.subscriptions import expire_lapsed_subscriptions


class Command(BaseCommand):
    help = "Mark premium subscriptions whose paid period is over EXPIRED (emits billing.subscription_expired)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        count = expire_lapsed_subscriptions(batch_size=options["batch_size"])
        self.stdout.write(f"expired {count} subscriptions")
