"""An author's public page: profile, count and five newest resources the viewer may see. Two queries,
each compiled once per shape (read_models.compiled)."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from core.metrics import read_query_latency
from read_models.author_names import display_name
from read_models.compiled import CompiledQuery
from read_models.viewers import signed_in_id
from resources.models import Resource
from users.models import User

RECENT_RESOURCES = 5


@dataclass(frozen=True, kw_only=True)
class AuthorStats:
    total_resources: int


@dataclass(frozen=True, kw_only=True)
class RecentResource:
    id: UUID
    title: str
    visibility: str
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class AuthorProfile:
    id: UUID
    username: str
    bio: str
    avatar_url: str | None
    stats: AuthorStats
    recent_resources: list[RecentResource]


def _author_row(signed_in: bool, *, author_id, viewer_id):
    visible = Resource.objects.visible_to(viewer_id if signed_in else None)
    total = visible.filter(author_id=OuterRef("pk")).order_by().values("author_id").annotate(n=Count("pk")).values("n")
    return (
        User.objects.filter(pk=author_id, is_active=True)
        .annotate(
            profile_username=F("profile__username"),
            profile_bio=F("profile__bio"),
            profile_avatar_url=F("profile__avatar_url"),
            total_resources=Coalesce(Subquery(total, output_field=IntegerField()), Value(0)),
        )
        .order_by("pk")
        .values("id", "profile_username", "profile_bio", "profile_avatar_url", "total_resources")[:1]
    )


def _recent(signed_in: bool, *, author_id, viewer_id):
    return (
        Resource.objects.visible_to(viewer_id if signed_in else None)
        .filter(author_id=author_id)
        .order_by("-created_at", "-id")
        .values("id", "title", "visibility", "created_at")[:RECENT_RESOURCES]
    )


VIEWER = Resource._meta.get_field("author")
AUTHOR_ROW = CompiledQuery(_author_row, author_id=User._meta.pk, viewer_id=VIEWER)
RECENT = CompiledQuery(_recent, author_id=Resource._meta.get_field("author"), viewer_id=VIEWER)


def get_author_profile(*, author_id, viewer) -> AuthorProfile | None:
    """None for an unknown or deactivated account."""
    with read_query_latency.labels(read_model="author_profile").time():
        viewer_id = signed_in_id(viewer)
        found = AUTHOR_ROW.rows(viewer_id is not None, author_id=author_id, viewer_id=viewer_id)
        if not found:
            return None
        (row,) = found
        recent = RECENT.rows(viewer_id is not None, author_id=row["id"], viewer_id=viewer_id)
        return AuthorProfile(
            id=row["id"],
            username=display_name(row["profile_username"], row["id"]),
            bio=row["profile_bio"] or "",
            avatar_url=row["profile_avatar_url"],
            stats=AuthorStats(total_resources=row["total_resources"]),
            recent_resources=[RecentResource(**resource) for resource in recent],
        )
