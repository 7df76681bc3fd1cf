"""Outbox handlers for resource events.

The resources app sits below analytics in the layer contract, so its own handlers only
record the fact in the structured log (harmless to repeat, hence idempotent); analytics or
notification handlers for these types register in their own apps.
"""

import logging

from core.outbox import handles

logger = logging.getLogger("ressourcefy.resources")


@handles("resource.published")
def log_resource_published(event) -> None:
    logger.info("resource published", extra={"event_id": str(event.pk), **event.payload})


@handles("resource.version_created")
def log_resource_version_created(event) -> None:
    logger.info("resource version created", extra={"event_id": str(event.pk), **event.payload})
