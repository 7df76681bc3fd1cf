"""The tests' local Stripe is the development simulator itself: one implementation for both."""

from operations.stripe_sim import RecordedRequest, StripeSimulator

FakeStripe = StripeSimulator

__all__ = ["FakeStripe", "RecordedRequest"]
