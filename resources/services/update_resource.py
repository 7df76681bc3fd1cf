"""Edit a resource's fields and tags; going from private to listed publishes it."""

from audit.models import AuditLog
from core.models import Tag
from core.outbox import emit_event
from core.transactions import require_transaction
from resources import events
from resources.models import Resource, Visibility
from resources.services.create_resource import published_payload
from resources.services.snapshot import audit_resource, resource_snapshot

EDITABLE_FIELDS = ("title", "description", "visibility", "price_cents")


def update_resource(*, resource: Resource, actor, fields: dict, tags: list[Tag] | None) -> Resource:
    """Apply `fields` (a subset of EDITABLE_FIELDS) and, when not None, replace the tags.

    Precondition: the caller holds the resource row lock.
    """
    require_transaction()
    old_tags = list(resource.tags.values_list("slug", flat=True))
    before = resource_snapshot(resource, old_tags)
    was_listed = resource.visibility != Visibility.PRIVATE
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"{name} is not editable")
        setattr(resource, name, value)
    resource.save()
    if tags is not None:
        resource.tags.set(tags)
    new_tags = [tag.slug for tag in tags] if tags is not None else old_tags
    audit_resource(resource, action=AuditLog.Action.UPDATE, actor=actor, before=before, tag_slugs=new_tags)
    if not was_listed and resource.visibility != Visibility.PRIVATE:
        emit_event(events.RESOURCE, resource.pk, events.RESOURCE_PUBLISHED, published_payload(resource))
    return resource
