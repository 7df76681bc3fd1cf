"""AccessResource: hand out the latest file of a resource the viewer may open."""

from analytics.services.track_event import TrackedEvent, track_event
from application.dto.resources import AccessResourceCommand, ResourceAccess
from application.exceptions import NotFound
from application.policies.resource_policy import openable_resource_or_refuse
from resources.files.links import download_path
from resources.models import Resource


def access_resource(command: AccessResourceCommand) -> ResourceAccess:
    user = command.user
    resource = openable_resource_or_refuse(user, Resource.objects.filter(pk=command.resource_id).first())
    version = resource.versions.order_by("-version_number").first()
    if version is None:
        raise NotFound("This resource has no file yet.")
    # One cheap insert, outside any transaction: the signal must never block or undo the access.
    track_event(
        TrackedEvent(
            event_type="resource.accessed",
            event_data={"resource_id": str(resource.pk), "version_number": version.version_number},
            user_id=user.pk if user is not None and user.is_authenticated else None,
            ip_address=command.ip_address,
            user_agent=command.user_agent,
        )
    )
    # A hosted file is reached through the access-checked download endpoint, never the store.
    url = download_path(resource.pk, version.version_number) if version.is_hosted else version.file_url
    return ResourceAccess(version_number=version.version_number, file_url=url)
