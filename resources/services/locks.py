"""Row locks the resource writes take inside the caller's transaction, before a policy reads the row."""

from resources.models import Resource


def lock_resource(resource_id) -> Resource | None:
    """The live resource, its row locked until the caller's transaction ends; None when unknown or deleted."""
    return Resource.objects.select_for_update().filter(pk=resource_id).first()
