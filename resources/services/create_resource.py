"""Publish a new resource, with its first file version when a file_url or a hosted file is given."""

from audit.models import AuditLog
from core.models import Tag
from core.outbox import emit_event
from core.transactions import require_transaction
from resources import events
from resources.models import Resource, Visibility
from resources.services.create_resource_version import append_version_locked
from resources.services.hosted_files import HostedFile
from resources.services.snapshot import audit_resource


def create_resource(
    *,
    author,
    title: str,
    description: str,
    visibility: str,
    price_cents: int | None,
    tags: list[Tag],
    file_url: str | None,
    hosted: HostedFile | None = None,
    storage_key: str | None = None,
) -> Resource:
    """`hosted` is already stored under `storage_key` (`hosted_files.stored_object`)."""
    require_transaction()
    resource = Resource.objects.create(
        author=author, title=title, description=description, visibility=visibility, price_cents=price_cents
    )
    resource.tags.set(tags)
    audit_resource(resource, action=AuditLog.Action.CREATE, actor=author, before=None, tag_slugs=[t.slug for t in tags])
    if visibility != Visibility.PRIVATE:
        emit_event(events.RESOURCE, resource.pk, events.RESOURCE_PUBLISHED, published_payload(resource))
    if hosted is not None or file_url:
        # A freshly inserted row is invisible to other transactions: nobody else can number it.
        append_version_locked(
            resource=resource, actor=author, file_url=file_url, hosted=hosted, storage_key=storage_key
        )
    return resource


def published_payload(resource: Resource) -> dict:
    return {
        "resource_id": str(resource.pk),
        "author_id": str(resource.author_id),
        "visibility": resource.visibility,
        "title": resource.title,
    }
