"""A download link was handed out: the outbox event analytics counts downloads from."""

from core.outbox import emit_event
from resources import events
from resources.models import ResourceVersion


def record_download(*, version: ResourceVersion, viewer_id) -> None:
    """Joins the caller's transaction (`emit_event` refuses to run without one)."""
    emit_event(
        events.RESOURCE,
        version.resource_id,
        events.RESOURCE_DOWNLOADED,
        {
            "resource_id": str(version.resource_id),
            "version_id": str(version.pk),
            "version_number": version.version_number,
            "hosted": version.is_hosted,
            # Absent for anonymous readers; analytics then records no user (never the author).
            **({"user_id": str(viewer_id)} if viewer_id is not None else {}),
        },
    )
