"""CreateResource: an author publishes a resource (with version 1 when a file is given)."""

from django.db import transaction

from application.dto.resources import CreateResourceCommand, ResourceWritten
from application.use_cases._tags import tags_or_refuse
from application.use_cases._uploads import checked_upload, release_upload
from resources.services.create_resource import create_resource as create_resource_service
from resources.services.hosted_files import stored_object


def create_resource(command: CreateResourceCommand) -> ResourceWritten:
    try:
        tags = tags_or_refuse(command.tags)
        hosted = checked_upload(command.upload) if command.upload is not None else None
        # The object is stored before the transaction opens, and deleted again if it rolls back.
        with stored_object(hosted) as storage_key, transaction.atomic():
            resource = create_resource_service(
                author=command.user,
                title=command.title,
                description=command.description,
                visibility=command.visibility,
                price_cents=command.price_cents,
                tags=tags,
                file_url=command.file_url,
                hosted=hosted,
                storage_key=storage_key,
            )
    finally:
        release_upload(command.upload)
    return ResourceWritten(resource_id=resource.pk)
