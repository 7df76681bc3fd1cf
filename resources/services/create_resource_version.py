"""Append a file version to a resource: numbers are gap-free and unique under concurrency."""

from django.db.models import Max

from audit.models import AuditLog
from core.outbox import emit_event
from core.services.audit import audit_change
from core.transactions import require_transaction
from resources import events
from resources.models import Resource, ResourceVersion
from resources.services.hosted_files import HostedFile, hosted_fields


def append_version_locked(
    *,
    resource: Resource,
    actor,
    file_url: str | None = None,
    hosted: HostedFile | None = None,
    storage_key: str | None = None,
) -> ResourceVersion:
    """Number the new version max + 1. Precondition: the caller holds the resource row lock.

    The row lock serialises concurrent callers for one resource, so two never read the same
    maximum; the unique (resource, version_number) constraint is the last line of defence.
    `hosted` is already stored under `storage_key` (`hosted_files.stored_object`).
    """
    require_transaction()
    latest = ResourceVersion.objects.filter(resource=resource).aggregate(latest=Max("version_number"))["latest"]
    fields = hosted_fields(hosted, storage_key) or {"file_url": file_url}
    version = ResourceVersion.objects.create(resource=resource, version_number=(latest or 0) + 1, **fields)
    audit_change(
        instance=version,
        action=AuditLog.Action.CREATE,
        actor=actor,
        after={"resource_id": str(resource.pk), "version_number": version.version_number, **fields},
    )
    emit_event(
        events.RESOURCE,
        resource.pk,
        events.RESOURCE_VERSION_CREATED,
        {"resource_id": str(resource.pk), "version_id": str(version.pk), "version_number": version.version_number},
    )
    return version
