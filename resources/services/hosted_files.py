"""Store an uploaded object and record it in one step: both exist afterwards, or neither."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from resources.files.storage import delete_object, save_object


@dataclass(frozen=True, kw_only=True)
class HostedFile:
    """A checked upload: `file` is readable and seekable (a temporary file on disk)."""

    file: object
    original_name: str
    content_type: str
    size_bytes: int
    sha256: str


@contextmanager
def stored_object(hosted: HostedFile | None) -> Iterator[str | None]:
    """Upload the object, then yield its storage key (None when there is no file) for the block
    that records it; if that block raises, the object is deleted again.

    Precondition: no transaction is open around this call, so no row lock is held while bytes
    travel; the block opens it. An outer one that rolled back later would leave an orphan,
    which `manage.py purge_orphan_files` sweeps.
    """
    if hosted is None:
        yield None
        return
    key = save_object(hosted.file)
    try:
        yield key
    except BaseException:
        delete_object(key)
        raise


def hosted_fields(hosted: HostedFile | None, storage_key: str | None) -> dict:
    if hosted is None:
        return {}
    return {
        "storage_key": storage_key,
        "original_name": hosted.original_name,
        "content_type": hosted.content_type,
        "size_bytes": hosted.size_bytes,
        "sha256": hosted.sha256,
    }
