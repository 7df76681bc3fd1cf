"""Soft-delete a resource: the row stays for the audit trail, every read path drops it."""

from audit.models import AuditLog
from core.transactions import require_transaction
from resources.models import Resource
from resources.services.snapshot import audit_resource, resource_snapshot


def delete_resource(*, resource: Resource, actor) -> None:
    """Precondition: the caller holds the resource row lock."""
    require_transaction()
    tags = list(resource.tags.values_list("slug", flat=True))
    before = resource_snapshot(resource, tags)
    resource.delete()
    audit_resource(resource, action=AuditLog.Action.DELETE, actor=actor, before=before, tag_slugs=tags)
