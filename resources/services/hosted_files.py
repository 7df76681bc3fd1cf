"""Store an uploaded object and record it in one step: both exist afterwards, or neither."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from resources.files.storage import delete_object, save_object

Recorded = TypeVar("Recorded")


@dataclass(frozen=True, kw_only=True)
class HostedFile:
    """A checked upload: `file` is readable and seekable (a temporary file on disk)."""

    file: object
    original_name: str
    content_type: str
    size_bytes: int
    sha256: str


def store_then_record(hosted: HostedFile, record: Callable[[str], Recorded]) -> Recorded:
    """Upload the object first (no row lock held while bytes travel), then run `record(key)`,
    which opens its own transaction. If it raises, the object is deleted again.

    Precondition: no transaction is open around this call; an outer one that rolls back
    later would leave an orphan, which `manage.py purge_orphan_files` sweeps.
    """
    key = save_object(hosted.file)
    try:
        return record(key)
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
