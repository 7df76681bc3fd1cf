"""DeleteResource: the author soft-deletes their resource."""

from django.db import transaction

from application.dto.resources import DeleteResourceCommand
from application.use_cases._locked_rows import lock_authored_resource
from resources.services.delete_resource import delete_resource as delete_resource_service


def delete_resource(command: DeleteResourceCommand) -> None:
    with transaction.atomic():
        resource = lock_authored_resource(command.user, command.resource_id)
        delete_resource_service(resource=resource, actor=command.user)
