"""Outbox event types resources emit; `emit_event` and `@handles` both name them from here."""

RESOURCE_PUBLISHED = "resource.published"
RESOURCE_VERSION_CREATED = "resource.version_created"
RESOURCE_DOWNLOADED = "resource.downloaded"

# Aggregate type of those events (model names, as billing's and users' are).
RESOURCE = "Resource"
