"""An author's public page: profile, count and five newest resources the viewer may see. Two queries."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from core.metrics import read_query_latency
from read_models.author_names import display_name
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


def get_author_profile(*, author_id, viewer) -> AuthorProfile | None:
    """None for an unknown or deactivated account."""
    with read_query_latency.labels(read_model="author_profile").time():
        visible = Resource.objects.visible_for(viewer)
        total = (
            visible.filter(author_id=OuterRef("pk")).order_by().values("author_id").annotate(n=Count("pk")).values("n")
        )
        row = (
            User.objects.filter(pk=author_id, is_active=True)
            .annotate(
                profile_username=F("profile__username"),
                profile_bio=F("profile__bio"),
                profile_avatar_url=F("profile__avatar_url"),
                total_resources=Coalesce(Subquery(total, output_field=IntegerField()), Value(0)),
            )
            .values("id", "profile_username", "profile_bio", "profile_avatar_url", "total_resources")
            .first()
        )
        if row is None:
            return None
        recent = (
            visible.filter(author_id=row["id"])
            .order_by("-created_at", "-id")
            .values("id", "title", "visibility", "created_at")[:RECENT_RESOURCES]
        )
        return AuthorProfile(
            id=row["id"],
            username=display_name(row["profile_username"], row["id"]),
            bio=row["profile_bio"] or "",
            avatar_url=row["profile_avatar_url"],
            stats=AuthorStats(total_resources=row["total_resources"]),
            recent_resources=[RecentResource(**resource) for resource in recent],
        )
