"""Outbox event types users emit; `emit_event` and `@handles` both name them from here."""

USER_REGISTERED = "user.registered"
USER_ACTIVATED = "user.activated"
USER_ACTIVATION_REQUESTED = "user.activation_requested"
USER_PASSWORD_RESET_REQUESTED = "user.password_reset_requested"  # noqa: S105 - an event type

# Aggregate type of those events (model names, as billing's and resources' are).
USER = "User"
