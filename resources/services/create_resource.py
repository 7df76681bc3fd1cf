"""Publish a new resource, with its first file version when a file_url is given."""

from django.db import transaction

from audit.models import AuditLog
from core.models import Tag
from core.outbox import emit_event
from core.services.audit import audit_change
from resources.models import Resource, Visibility
from resources.services.create_resource_version import append_version_locked
from resources.services.snapshot import resource_snapshot


def create_resource(
    *,
    author,
    title: str,
    description: str,
    visibility: str,
    price_cents: int | None,
    tags: list[Tag],
    file_url: str | None,
) -> Resource:
    with transaction.atomic():
        resource = Resource.objects.create(
            author=author, title=title, description=description, visibility=visibility, price_cents=price_cents
        )
        resource.tags.set(tags)
        audit_change(
            instance=resource,
            action=AuditLog.Action.CREATE,
            actor=author,
            after=resource_snapshot(resource, [t.slug for t in tags]),
        )
        if visibility != Visibility.PRIVATE:
            emit_event("resource", resource.pk, "resource.published", published_payload(resource))
        if file_url:
            # A freshly inserted row is invisible to other transactions: nobody else can number it.
            append_version_locked(resource=resource, file_url=file_url, actor=author)
    return resource


def published_payload(resource: Resource) -> dict:
    return {
        "resource_id": str(resource.pk),
        "author_id": str(resource.author_id),
        "visibility": resource.visibility,
        "title": resource.title,
    }
