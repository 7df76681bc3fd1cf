"""The public feed: newest published resources, by offset page or by keyset cursor.

Exactly two queries whatever the page size: the page (author name and comment count joined
in), then the page's tag names. The cursor is an opaque token for the keyset
(created_at, id) of the last item, served by the partial index `resource_feed_idx`, so a
deep page costs what the first one costs.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.dateparse import parse_datetime

from core.metrics import read_query_latency
from interactions.models import Comment
from read_models.author_names import display_name
from resources.models import Resource

MAX_PAGE_SIZE = 100


class InvalidCursor(ValueError):
    """The cursor was not produced by this feed (or was tampered with)."""


@dataclass(frozen=True, kw_only=True)
class FeedCursor:
    created_at: datetime
    id: UUID

    def encode(self) -> str:
        raw = json.dumps([self.created_at.isoformat(), self.id.hex], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "FeedCursor":
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            created_at_text, id_hex = json.loads(raw)
            created_at = parse_datetime(created_at_text)
            if created_at is None or created_at.tzinfo is None:
                raise ValueError("naive or malformed timestamp")
            # Normalized here: an offset at the calendar's edge (9999-12-31T23:59-23:59) has no UTC.
            created_at = created_at.astimezone(UTC)
            return cls(created_at=created_at, id=UUID(hex=id_hex))
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, OverflowError) as error:
            raise InvalidCursor("Invalid cursor.") from error


@dataclass(frozen=True, kw_only=True)
class FeedItemStats:
    comment_count: int


@dataclass(frozen=True, kw_only=True)
class FeedItem:
    id: UUID
    title: str
    author_name: str
    tags: list[str]
    visibility: str
    created_at: datetime
    stats: FeedItemStats


@dataclass(frozen=True, kw_only=True)
class PageMeta:
    page: int | None
    page_size: int
    has_next: bool
    next_cursor: str | None


@dataclass(frozen=True, kw_only=True)
class FeedPage:
    items: list[FeedItem]
    meta: PageMeta


def live_comment_count():
    """Correlated count of a resource's live comments (served by comment_live_by_resource_idx)."""
    counted = (
        Comment.objects.filter(resource_id=OuterRef("pk"))
        .order_by()
        .values("resource_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def tag_names_by_resource(resource_ids) -> dict:
    """One query: {resource_id: [tag name, ...]} sorted by name."""
    names: dict = {resource_id: [] for resource_id in resource_ids}
    if not names:
        return names
    pairs = (
        Resource.tags.through.objects.filter(resource_id__in=names)
        .order_by("tag__name")
        .values_list("resource_id", "tag__name")
    )
    for resource_id, name in pairs:
        names[resource_id].append(name)
    return names


def list_feed(*, page: int = 1, page_size: int = 20, cursor: FeedCursor | None = None) -> FeedPage:
    """Newest first. With `cursor`, the page after it (and `page` is ignored)."""
    if not 1 <= page_size <= MAX_PAGE_SIZE or page < 1:
        raise ValueError("page must be >= 1 and page_size within 1..100")
    with read_query_latency.labels(read_model="feed").time():
        window = Resource.objects.published().order_by("-created_at", "-id")
        if cursor is not None:
            # `created_at <= c` bounds the index scan; the OR only breaks ties within one instant.
            window = window.filter(created_at__lte=cursor.created_at).filter(
                Q(created_at__lt=cursor.created_at) | Q(id__lt=cursor.id)
            )
            offset = 0
        else:
            offset = (page - 1) * page_size
        # Deferred join: the inner query walks only the index to pick the page's ids (skipping
        # `offset` entries cheaply); names and comment counts are computed for those rows
        # alone. One row more than the page tells whether a next page exists, without a COUNT.
        page_ids = window.values("id")[offset : offset + page_size + 1]
        fetched = list(
            Resource.objects.filter(pk__in=page_ids)
            .annotate(author_username=F("author__profile__username"), comment_count=live_comment_count())
            .order_by("-created_at", "-id")
            .values("id", "title", "visibility", "created_at", "author_id", "author_username", "comment_count")
        )
        has_next = len(fetched) > page_size
        fetched = fetched[:page_size]
        tags = tag_names_by_resource([row["id"] for row in fetched])
        items = [
            FeedItem(
                id=row["id"],
                title=row["title"],
                author_name=display_name(row["author_username"], row["author_id"]),
                tags=tags[row["id"]],
                visibility=row["visibility"],
                created_at=row["created_at"],
                stats=FeedItemStats(comment_count=row["comment_count"]),
            )
            for row in fetched
        ]
        next_cursor = (
            FeedCursor(created_at=fetched[-1]["created_at"], id=fetched[-1]["id"]).encode()
            if has_next and fetched
            else None
        )
        return FeedPage(
            items=items,
            meta=PageMeta(
                page=None if cursor is not None else page,
                page_size=page_size,
                has_next=has_next,
                next_cursor=next_cursor,
            ),
        )
