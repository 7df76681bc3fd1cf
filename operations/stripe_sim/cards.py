"""Stripe's test card numbers and what each does at checkout (https://docs.stripe.com/testing)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Card:
    number: str
    outcome: str  # "succeeds", "declined" or "authenticate"
    decline_message: str = ""

    @property
    def last4(self) -> str:
        return self.number[-4:]


CARDS = {
    card.number: card
    for card in (
        Card("4242424242424242", "succeeds"),
        Card("5555555555554444", "succeeds"),
        Card("4000000000000341", "declined", "Your card was declined."),
        Card("4000000000000002", "declined", "Your card was declined."),
        Card("4000000000009995", "declined", "Your card has insufficient funds."),
        Card("4000002500003155", "authenticate"),
    )
}
UNKNOWN_CARD = "Your card number is not a Stripe test card. Use 4242 4242 4242 4242."


def card_for(raw_number: str) -> Card | None:
    """The test card typed in the form (spaces and dashes allowed), or None."""
    return CARDS.get("".join(ch for ch in raw_number if ch.isdigit()))
