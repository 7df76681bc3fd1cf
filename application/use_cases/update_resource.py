"""UpdateResource: the author edits fields and tags of their resource."""

from django.db import transaction

from application.dto.resources import ResourceWritten, UpdateResourceCommand
from application.use_cases._locked_rows import lock_authored_resource
from application.use_cases._tags import tags_or_refuse
from resources.services.update_resource import update_resource as update_resource_service


def update_resource(command: UpdateResourceCommand) -> ResourceWritten:
    changes = command.changes()
    slugs = changes.pop("tags", None)
    with transaction.atomic():
        resource = lock_authored_resource(command.user, command.resource_id)
        tags = tags_or_refuse(slugs) if slugs is not None else None
        resource = update_resource_service(resource=resource, actor=command.user, fields=changes, tags=tags)
    return ResourceWritten(resource_id=resource.pk)
