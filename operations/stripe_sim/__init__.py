"""A local Stripe for development and tests: the Stripe API calls we make, a hosted checkout page,
and signed webhooks sent to the app, so the whole purchase flow runs without a Stripe account.

A dev tool and a test double, never a production path: only `manage.py stripe_sim` (operations)
and the tests import it.
"""

from operations.stripe_sim.server import RecordedRequest, StripeSimulator

__all__ = ["RecordedRequest", "StripeSimulator"]
