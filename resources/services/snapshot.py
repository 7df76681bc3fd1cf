"""The audited state of a resource: what before/after rows of the audit log hold."""

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
