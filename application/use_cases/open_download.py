"""OpenDownload: the file behind a signed /files/ link, if the link is ours, unexpired and its
resource still exists. The link itself is the credential: access was checked when it was issued."""

from django.conf import settings

from application.dto.resources import DownloadToServe, OpenDownloadCommand
from application.exceptions import LinkExpired, LinkInvalid, NotFound
from resources.files import links
from resources.files.storage import resource_storage
from resources.models import ResourceVersion


def open_download(command: OpenDownloadCommand) -> DownloadToServe:
    try:
        version_id = links.version_id_from_token(command.token)
    except links.LinkExpired:
        raise LinkExpired from None
    except links.LinkInvalid:
        raise LinkInvalid from None
    version = (
        ResourceVersion.objects.select_related("resource")
        .filter(pk=version_id, storage_key__isnull=False, resource__deleted_at__isnull=True)
        .first()
    )
    if version is None:
        raise NotFound("This file no longer exists.")
    prefix = settings.FILES_X_ACCEL_REDIRECT_PREFIX
    return DownloadToServe(
        file=None if prefix else resource_storage().open(version.storage_key, "rb"),
        x_accel_path=f"{prefix.rstrip('/')}/{version.storage_key}" if prefix else None,
        name=version.original_name,
        content_type=version.content_type,
        size=version.size_bytes,
    )
