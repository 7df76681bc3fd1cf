"""UpdateResource: the author edits fields and tags of their resource."""

from application.dto.resources import ResourceWritten, UpdateResourceCommand
from application.policies.resource_policy import authored_resource_or_refuse
from application.use_cases._tags import tags_or_refuse
from resources.models import Resource
from resources.services.update_resource import update_resource as update_resource_service


def update_resource(command: UpdateResourceCommand) -> ResourceWritten:
    authored_resource_or_refuse(command.user, Resource.objects.filter(pk=command.resource_id).first())
    changes = command.changes()
    slugs = changes.pop("tags", None)
    tags = tags_or_refuse(slugs) if slugs is not None else None
    resource = update_resource_service(resource_id=command.resource_id, actor=command.user, fields=changes, tags=tags)
    return ResourceWritten(resource_id=resource.pk)
