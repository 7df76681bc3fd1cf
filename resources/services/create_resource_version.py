"""Append a file version to a resource: numbers are gap-free and unique under concurrency."""

from django.db import transaction
from django.db.models import Max

from audit.models import AuditLog
from core.outbox import emit_event
from core.services.audit import audit_change
from resources.models import Resource, ResourceVersion


def create_resource_version(*, resource_id, file_url: str, actor) -> ResourceVersion:
    """Lock the resource row, then number the new version max + 1.

    The row lock serialises concurrent callers for one resource, so two never read the same
    maximum; the unique (resource, version_number) constraint is the last line of defence.
    """
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=resource_id)
        return append_version_locked(resource=resource, file_url=file_url, actor=actor)


def append_version_locked(*, resource: Resource, file_url: str, actor) -> ResourceVersion:
    """Precondition: the caller holds the resource row lock inside a transaction."""
    latest = ResourceVersion.objects.filter(resource=resource).aggregate(latest=Max("version_number"))["latest"]
    version = ResourceVersion.objects.create(resource=resource, version_number=(latest or 0) + 1, file_url=file_url)
    audit_change(
        instance=version,
        action=AuditLog.Action.CREATE,
        actor=actor,
        after={"resource_id": str(resource.pk), "version_number": version.version_number, "file_url": file_url},
    )
    emit_event(
        "resource",
        resource.pk,
        "resource.version_created",
        {"resource_id": str(resource.pk), "version_id": str(version.pk), "version_number": version.version_number},
    )
    return version
