"""The audited state of a resource: what before/after rows of the audit log hold, and the writing of them."""

from core.services.audit import audit_change
from resources.models import Resource


def resource_snapshot(resource: Resource, tag_slugs: list[str]) -> dict:
    return {
        "title": resource.title,
        "description": resource.description,
        "visibility": resource.visibility,
        "price_cents": resource.price_cents,
        "tags": sorted(tag_slugs),
        "deleted_at": resource.deleted_at.isoformat() if resource.deleted_at else None,
    }


def audit_resource(resource: Resource, *, action: str, actor, before: dict | None, tag_slugs: list[str]) -> None:
    """Record `action` on `resource`; its state after is read now, with these tags."""
    audit_change(
        instance=resource, action=action, actor=actor, before=before, after=resource_snapshot(resource, tag_slugs)
    )
