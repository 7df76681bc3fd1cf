"""CreateResourceVersion: the author uploads a new file; numbers stay gap-free."""

from application.dto.resources import CreateResourceVersionCommand, VersionCreated
from application.exceptions import NotFound
from application.policies.resource_policy import authored_resource_or_refuse
from resources.models import Resource
from resources.services.create_resource_version import create_resource_version as create_version_service


def create_resource_version(command: CreateResourceVersionCommand) -> VersionCreated:
    authored_resource_or_refuse(command.user, Resource.objects.filter(pk=command.resource_id).first())
    try:
        version = create_version_service(resource_id=command.resource_id, file_url=command.file_url, actor=command.user)
    except Resource.DoesNotExist:
        raise NotFound("Resource not found.") from None  # deleted between the check and the lock
    return VersionCreated(version=version.version_number, url=version.file_url)
