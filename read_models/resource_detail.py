"""One resource as its viewer may see it: at most 3 queries, +1 for a signed-in viewer's premium check."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import F

from core.metrics import read_query_latency
from monetization.access import may_open_files
from read_models.author_names import display_name
from read_models.feed import live_comment_count, tag_names_by_resource
from resources.files.links import download_path
from resources.models import Resource, ResourceVersion


@dataclass(frozen=True, kw_only=True)
class AuthorRef:
    id: UUID
    username: str


@dataclass(frozen=True, kw_only=True)
class VersionItem:
    version_number: int
    file_url: str | None


@dataclass(frozen=True, kw_only=True)
class ResourceStats:
    comment_count: int


@dataclass(frozen=True, kw_only=True)
class ResourceDetail:
    id: UUID
    title: str
    description: str
    visibility: str
    price_cents: int | None
    created_at: datetime
    author: AuthorRef
    tags: list[str]
    versions: list[VersionItem]
    stats: ResourceStats


def get_resource_detail(*, resource_id, viewer) -> ResourceDetail | None:
    """None when the resource is unknown, deleted, or private to someone else."""
    with read_query_latency.labels(read_model="resource_detail").time():
        row = (
            Resource.objects.visible_for(viewer)
            .filter(pk=resource_id)
            .annotate(author_username=F("author__profile__username"), comment_count=live_comment_count())
            .values(
                "id",
                "title",
                "description",
                "visibility",
                "price_cents",
                "created_at",
                "author_id",
                "author_username",
                "comment_count",
            )
            .first()
        )
        if row is None:
            return None
        tags = tag_names_by_resource([row["id"]])[row["id"]]
        versions = list(
            ResourceVersion.objects.filter(resource_id=row["id"])
            .order_by("version_number")
            .values_list("version_number", "file_url", "storage_key")
        )
        files_visible = may_open_files(viewer, author_id=row["author_id"], visibility=row["visibility"])
        return ResourceDetail(
            id=row["id"],
            title=row["title"],
            description=row["description"],
            visibility=row["visibility"],
            price_cents=row["price_cents"],
            created_at=row["created_at"],
            author=AuthorRef(id=row["author_id"], username=display_name(row["author_username"], row["author_id"])),
            tags=tags,
            versions=[
                VersionItem(version_number=number, file_url=_shown_url(row["id"], number, url, key, files_visible))
                for number, url, key in versions
            ],
            stats=ResourceStats(comment_count=row["comment_count"]),
        )


def _shown_url(resource_id, number: int, file_url: str | None, storage_key: str | None, visible: bool) -> str | None:
    """Hosted files show the access-checked download path, never a storage URL."""
    if not visible:
        return None
    return download_path(resource_id, number) if storage_key else file_url
