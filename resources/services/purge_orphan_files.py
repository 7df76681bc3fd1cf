"""Find, and optionally delete, stored objects that no version row refers to."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from resources.files.storage import iter_keys, resource_storage
from resources.models import ResourceVersion


@dataclass(kw_only=True)
class OrphanSweep:
    orphans: list[str] = field(default_factory=list)
    referenced: int = 0
    too_recent: int = 0  # unreferenced but younger than the grace period: maybe an upload in flight
    deleted: bool = False


def purge_orphan_files(*, delete: bool, grace: timedelta) -> OrphanSweep:
    """Objects without a version row, older than `grace`; deleted only when `delete` is true.

    The grace period protects an upload whose object is stored but whose row is not yet committed.
    """
    storage = resource_storage()
    known = set(ResourceVersion.objects.filter(storage_key__isnull=False).values_list("storage_key", flat=True))
    cutoff = timezone.now() - grace
    sweep = OrphanSweep(deleted=delete)
    for key in iter_keys(storage):
        if key in known:
            sweep.referenced += 1
        elif storage.get_modified_time(key) > cutoff:
            sweep.too_recent += 1
        else:
            sweep.orphans.append(key)
    if delete:
        for key in sweep.orphans:
            storage.delete(key)
    return sweep
