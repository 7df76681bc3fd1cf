"""Who may see, open and change a resource."""

from application.exceptions import AccessDenied, NotFound, PermissionDenied
from monetization.access import may_open_files
from resources.models import Resource, Visibility


def is_resource_author(user, resource: Resource) -> bool:
    return user is not None and user.is_authenticated and resource.author_id == user.pk


def can_view_resource(user, resource: Resource) -> bool:
    """Listed or shown at all: never when deleted; private only to its author."""
    if resource.is_deleted:
        return False
    return resource.visibility != Visibility.PRIVATE or is_resource_author(user, resource)


def can_access_resource(user, resource: Resource) -> bool:
    """May open the files: public to all, premium to subscribers, the author always."""
    if not can_view_resource(user, resource):
        return False
    return may_open_files(user, author_id=resource.author_id, visibility=resource.visibility)


def openable_resource_or_refuse(user, resource: Resource | None) -> Resource:
    """The resource if `user` may open its files; 404 when it is unknown or hidden from them,
    403 access_denied when it is premium and they hold no premium."""
    if resource is None or not can_view_resource(user, resource):
        raise NotFound("Resource not found.")
    if not can_access_resource(user, resource):
        raise AccessDenied("An active premium subscription is required to open this resource.")
    return resource


def authored_resource_or_refuse(user, resource: Resource | None) -> Resource:
    """The resource if `user` wrote it; 404 when it is unknown or hidden from them, else 403."""
    if resource is None or not can_view_resource(user, resource):
        raise NotFound("Resource not found.")
    if not is_resource_author(user, resource):
        raise PermissionDenied("Only the author can change this resource.")
    return resource
