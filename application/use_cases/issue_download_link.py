"""IssueDownloadLink: a short-lived link to one version's file, for a viewer who may open it.

The same checks as AccessResource, through the same policies (and so monetization.access):
whoever loses access gets no new link from the moment they lose it.
"""

from django.db import transaction

from application.dto.resources import DownloadLink, IssueDownloadLinkCommand
from application.exceptions import NotFound
from application.policies.resource_policy import openable_resource_or_refuse
from resources.files.links import issue_link
from resources.models import Resource
from resources.services.record_download import record_download


def issue_download_link(command: IssueDownloadLinkCommand) -> DownloadLink:
    user = command.user
    resource = openable_resource_or_refuse(user, Resource.objects.filter(pk=command.resource_id).first())
    versions = resource.versions.all()
    if command.version_number is None:
        version = versions.order_by("-version_number").first()
    else:
        version = versions.filter(version_number=command.version_number).first()
    if version is None:
        raise NotFound("This resource has no such version." if command.version_number else "It has no file yet.")
    link = issue_link(version)
    with transaction.atomic():
        record_download(version=version, viewer_id=user.pk if user is not None and user.is_authenticated else None)
    return DownloadLink(url=link.url, expires_at=link.expires_at)
