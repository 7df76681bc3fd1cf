"""One resource as its viewer may see it: at most 3 queries, +1 for a signed-in viewer's premium check.

Each query is compiled once per shape (read_models.compiled).
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import F

from core.metrics import read_query_latency
from monetization.access import may_open_files
from read_models.author_names import display_name
from read_models.compiled import CompiledQuery
from read_models.feed import live_comment_count, tag_names_by_resource
from read_models.viewers import signed_in_id
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


def _detail_row(signed_in: bool, *, resource_id, viewer_id):
    return (
        Resource.objects.visible_to(viewer_id if signed_in else None)
        .filter(pk=resource_id)
        .annotate(author_username=F("author__profile__username"), comment_count=live_comment_count())
        .order_by("pk")
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
        )[:1]
    )


DETAIL_ROW = CompiledQuery(_detail_row, resource_id=Resource._meta.pk, viewer_id=Resource._meta.get_field("author"))
VERSIONS = CompiledQuery(
    lambda *, resource_id: (
        ResourceVersion.objects.filter(resource_id=resource_id)
        .order_by("version_number")
        .values("version_number", "file_url", "storage_key")
    ),
    resource_id=ResourceVersion._meta.get_field("resource"),
)


def get_resource_detail(*, resource_id, viewer) -> ResourceDetail | None:
    """None when the resource is unknown, deleted, or private to someone else."""
    with read_query_latency.labels(read_model="resource_detail").time():
        viewer_id = signed_in_id(viewer)
        found = DETAIL_ROW.rows(viewer_id is not None, resource_id=resource_id, viewer_id=viewer_id)
        if not found:
            return None
        (row,) = found
        tags = tag_names_by_resource([row["id"]])[row["id"]]
        versions = VERSIONS.rows(resource_id=row["id"])
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
                VersionItem(
                    version_number=version["version_number"],
                    file_url=_shown_url(
                        row["id"], version["version_number"], version["file_url"], version["storage_key"], files_visible
                    ),
                )
                for version in versions
            ],
            stats=ResourceStats(comment_count=row["comment_count"]),
        )


def _shown_url(resource_id, number: int, file_url: str | None, storage_key: str | None, visible: bool) -> str | None:
    """Hosted files show the access-checked download path, never a storage URL."""
    if not visible:
        return None
    return download_path(resource_id, number) if storage_key else file_url
