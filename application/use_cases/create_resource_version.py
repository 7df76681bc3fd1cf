"""CreateResourceVersion: the author adds a file (an external link or an upload); numbers stay gap-free."""

from django.db import transaction

from application.dto.resources import CreateResourceVersionCommand, VersionCreated
from application.policies.resource_policy import authored_resource_or_refuse
from application.use_cases._locked_rows import lock_authored_resource
from application.use_cases._uploads import checked_upload, release_upload
from resources.files.links import download_path
from resources.models import Resource
from resources.services import create_resource_version as version_service
from resources.services.hosted_files import stored_object


def create_resource_version(command: CreateResourceVersionCommand) -> VersionCreated:
    """An upload is stored before the transaction opens (no row lock while bytes travel); the
    check that decides runs on the locked row, so the resource's delete either commits first
    and refuses the version (its object is deleted again) or waits for it."""
    try:
        hosted = None
        if command.upload is not None:
            # Refuse a stranger before storing their bytes; the locked check below is the one that counts.
            authored_resource_or_refuse(command.user, Resource.objects.filter(pk=command.resource_id).first())
            hosted = checked_upload(command.upload)
        with stored_object(hosted) as storage_key, transaction.atomic():
            resource = lock_authored_resource(command.user, command.resource_id)
            version = version_service.append_version_locked(
                resource=resource, actor=command.user, file_url=command.file_url, hosted=hosted, storage_key=storage_key
            )
    finally:
        release_upload(command.upload)
    url = download_path(version.resource_id, version.version_number) if version.is_hosted else version.file_url
    return VersionCreated(version=version.version_number, url=url)
