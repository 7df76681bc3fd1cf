"""DeleteResource: the author soft-deletes their resource."""

from application.dto.resources import DeleteResourceCommand
from application.policies.resource_policy import authored_resource_or_refuse
from resources.models import Resource
from resources.services.delete_resource import delete_resource as delete_resource_service


def delete_resource(command: DeleteResourceCommand) -> None:
    authored_resource_or_refuse(command.user, Resource.objects.filter(pk=command.resource_id).first())
    delete_resource_service(resource_id=command.resource_id, actor=command.user)
