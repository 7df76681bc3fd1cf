"""Short-lived download links: signed /files/ tokens for local disk, presigned GETs for S3.

A token names one version (by its id), so a link for version 1 never serves version 2. It is
signed with SECRET_KEY through Django's TimestampSigner, which also accepts
SECRET_KEY_FALLBACKS: links issued before a key rotation keep working until they expire.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from resources.files.storage import app_serves_files, resource_storage
from resources.models import ResourceVersion

_SALT = "resources.files.download"


class LinkInvalid(Exception):
    """The token was not signed by us, or was altered."""


class LinkExpired(Exception):
    """The token was ours but is older than DOWNLOAD_URL_TTL_SECONDS."""


@dataclass(frozen=True, kw_only=True)
class IssuedLink:
    url: str  # absolute for a presigned GET; a path on this app for a /files/ link
    expires_at: datetime | None  # None for an external link, which we do not control


def issue_link(version: ResourceVersion) -> IssuedLink:
    if not version.is_hosted:
        return IssuedLink(url=version.file_url, expires_at=None)
    ttl = settings.DOWNLOAD_URL_TTL_SECONDS
    expires_at = timezone.now() + timedelta(seconds=ttl)
    if app_serves_files():
        token = signing.TimestampSigner(salt=_SALT).sign_object({"v": str(version.pk)})
        return IssuedLink(url=reverse("resource-file", kwargs={"token": token}), expires_at=expires_at)
    parameters = {
        "ResponseContentDisposition": content_disposition_header(True, version.original_name),
        "ResponseContentType": version.content_type,
    }
    url = resource_storage().url(version.storage_key, parameters=parameters, expire=ttl)
    return IssuedLink(url=url, expires_at=expires_at)


def version_id_from_token(token: str) -> str:
    """The version id a /files/ token names; raises LinkInvalid or LinkExpired."""
    signer = signing.TimestampSigner(salt=_SALT)
    try:
        payload = signer.unsign_object(token, max_age=settings.DOWNLOAD_URL_TTL_SECONDS)
    except signing.SignatureExpired:
        raise LinkExpired from None
    except (signing.BadSignature, ValueError):
        raise LinkInvalid from None
    if not isinstance(payload, dict) or not isinstance(payload.get("v"), str):
        raise LinkInvalid
    return payload["v"]


def download_path(resource_id, version_number: int) -> str:
    """What `file_url` shows for a hosted version: our access-checked API path, never the store's."""
    return reverse("resource-version-download", kwargs={"resource_id": resource_id, "version_number": version_number})
