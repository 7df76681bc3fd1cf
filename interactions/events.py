"""Outbox event types interactions emit; `emit_event` and `@handles` both name them from here."""

COMMENT_CREATED = "comment.created"

# Aggregate type of those events (model names, as billing's and users' are).
COMMENT = "Comment"
