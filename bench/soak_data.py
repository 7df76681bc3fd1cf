"""The soak's database side, run inside Django (`manage.py shell -c`): the data it drives, and
what it checks afterwards.

`prepare()` seeds resources and comments (`seed_demo`), readers who sign in and comment, and
buyers who each buy premium once. `verify()` reads what the run left: every outbox event
COMPLETED, and each effect once (an analytics row per tracked event, a mail per mail marker and
no mail twice, one payment per paid checkout); `soak_report.failures` judges it.
"""

import json
from collections import Counter
from pathlib import Path

from django.core.management import call_command
from django.db.models import Count

from analytics.handlers import TRACKED_BUSINESS_EVENTS
from analytics.models import UserEvent
from core.models import OutboxEvent, ProcessedEvent
from interactions.models import Comment
from monetization.models import Payment, PaymentIntentRecord, Subscription, WebhookEvent
from operations.management.commands.seed_demo import DEMO_PASSWORD, ensure_users
from resources.models import Resource, Visibility

TRACKED_HANDLER = "analytics.track"  # the one `once_per_event` handler; every other marker is a mail


def prepare(*, resources: int, comments: int, readers: int, buyers: int) -> dict:
    call_command("seed_demo", resources=resources, comments=comments, verbosity=0)
    reader_users = ensure_users([f"soak-reader-{i}" for i in range(readers)])
    buyer_users = ensure_users([f"soak-buyer-{i}" for i in range(buyers)])
    public = Resource.objects.filter(visibility=Visibility.PUBLIC, deleted_at__isnull=True)
    resource_ids = [str(pk) for pk in public.values_list("id", flat=True)[:500]]
    comment_ids = [
        str(pk)
        for pk in Comment.objects.filter(resource_id__in=resource_ids, deleted_at__isnull=True).values_list(
            "id", flat=True
        )[:2000]
    ]
    return {
        "password": DEMO_PASSWORD,
        "readers": [user.email for user in reader_users],
        "buyers": [user.email for user in buyer_users],
        "resources": resource_ids,
        "comments": comment_ids,
    }


def progress() -> dict:
    """Outbox events still to be dispatched (PENDING or PROCESSING), Stripe webhooks received."""
    unfinished = OutboxEvent.objects.filter(status__in=[OutboxEvent.Status.PENDING, OutboxEvent.Status.PROCESSING])
    return {"unfinished": unfinished.count(), "webhooks": WebhookEvent.objects.count()}


def verify(mail_log: str) -> dict:
    statuses = dict(OutboxEvent.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    events = OutboxEvent.objects.all()
    tracked = set(events.filter(event_type__in=TRACKED_BUSINESS_EVENTS).values_list("id", flat=True))
    rows_per_event = Counter(
        UserEvent.objects.filter(event_data__has_key="outbox_event_id").values_list(
            "event_data__outbox_event_id", flat=True
        )
    )
    mails = [json.loads(line) for line in Path(mail_log).read_text().splitlines()] if Path(mail_log).exists() else []
    mail_copies = Counter((tuple(mail["to"]), mail["subject"], mail["body"]) for mail in mails)
    mail_markers = ProcessedEvent.objects.exclude(handler=TRACKED_HANDLER).count()
    paid_sessions = PaymentIntentRecord.objects.filter(status=PaymentIntentRecord.Status.COMPLETED).count()
    payments_per_user = Counter(Payment.objects.values_list("user_id", flat=True))
    return {
        "outbox": {
            "events": events.count(),
            "by_status": statuses,
            "redelivered": events.filter(retry_count__gt=1).count(),
            "lease_expirations": sum(events.values_list("lease_expirations", flat=True)),
            "by_type": dict(events.values_list("event_type").annotate(n=Count("id")).values_list("event_type", "n")),
        },
        "analytics": {
            "tracked_events": len(tracked),
            "missing_rows": sum(1 for pk in tracked if rows_per_event[str(pk)] == 0),
            "duplicate_rows": sum(n - 1 for n in rows_per_event.values() if n > 1),
        },
        "mail": {
            "sent": len(mails),
            "markers": mail_markers,
            "sent_twice": sum(n - 1 for n in mail_copies.values() if n > 1),
        },
        "billing": {
            "paid_checkouts": paid_sessions,
            "payments": sum(payments_per_user.values()),
            "users_paying_twice": sum(1 for n in payments_per_user.values() if n > 1),
            "premium_subscriptions": Subscription.objects.filter(plan=Subscription.Plan.PREMIUM).count(),
            "webhooks": dict(
                WebhookEvent.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
            ),
        },
    }
