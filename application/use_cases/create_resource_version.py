"""CreateResourceVersion: the author adds a file (an external link or an upload); numbers stay gap-free."""

from application.dto.resources import CreateResourceVersionCommand, VersionCreated
from application.exceptions import NotFound
from application.policies.resource_policy import authored_resource_or_refuse
from application.use_cases._uploads import checked_upload, release_upload
from resources.files.links import download_path
from resources.models import Resource
from resources.services.create_resource_version import create_resource_version as create_version_service


def create_resource_version(command: CreateResourceVersionCommand) -> VersionCreated:
    try:
        authored_resource_or_refuse(command.user, Resource.objects.filter(pk=command.resource_id).first())
        hosted = checked_upload(command.upload) if command.upload is not None else None
        version = create_version_service(
            resource_id=command.resource_id, actor=command.user, file_url=command.file_url, hosted=hosted
        )
    except Resource.DoesNotExist:
        raise NotFound("Resource not found.") from None  # deleted between the check and the lock
    finally:
        release_upload(command.upload)
    url = download_path(version.resource_id, version.version_number) if version.is_hosted else version.file_url
    return VersionCreated(version=version.version_number, url=url)
