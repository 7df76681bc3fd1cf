"""What handling one Stripe event came to; stored on its WebhookEvent row."""

from dataclasses import dataclass

from monetization.models import WebhookEvent


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str = ""


PROCESSED = Outcome(WebhookEvent.Status.PROCESSED)


def ignored(reason: str) -> Outcome:
    """A verified event we keep but do not act on (unknown type, unknown subscription, stale)."""
    return Outcome(WebhookEvent.Status.IGNORED, reason)
