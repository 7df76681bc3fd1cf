"""A resource's comment thread, oldest first, paginated. Two queries whatever the page size.

Deleted comments vanish, except those with live replies: they stay as placeholders
(content null, deleted true) so the thread keeps its shape.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.metrics import read_query_latency
from interactions.models import Comment, CommentVote
from read_models.author_names import display_name
from resources.models import Resource

MAX_PAGE_SIZE = 100


@dataclass(frozen=True, kw_only=True)
class CommentItem:
    id: UUID
    author_name: str | None
    content: str | None
    parent_id: UUID | None
    created_at: datetime
    score: int
    deleted: bool


@dataclass(frozen=True, kw_only=True)
class CommentPageMeta:
    page: int
    page_size: int
    has_next: bool


@dataclass(frozen=True, kw_only=True)
class CommentPage:
    items: list[CommentItem]
    meta: CommentPageMeta


def _thread():
    score = (
        CommentVote.objects.filter(comment_id=OuterRef("pk"))
        .order_by()
        .values("comment_id")
        .annotate(total=Sum("value"))
        .values("total")
    )
    return (
        Comment.all_objects.annotate(
            has_live_reply=Exists(Comment.objects.filter(parent_id=OuterRef("pk"))),
            score=Coalesce(Subquery(score, output_field=IntegerField()), Value(0)),
            author_username=F("author__profile__username"),
        )
        .filter(Q(deleted_at__isnull=True) | Q(has_live_reply=True))
        .values("id", "author_id", "author_username", "content", "parent_id", "created_at", "score", "deleted_at")
    )


def _item(row: dict) -> CommentItem:
    deleted = row["deleted_at"] is not None
    return CommentItem(
        id=row["id"],
        author_name=None if deleted else display_name(row["author_username"], row["author_id"]),
        content=None if deleted else row["content"],
        parent_id=row["parent_id"],
        created_at=row["created_at"],
        score=row["score"],
        deleted=deleted,
    )


def list_comments(*, resource_id, viewer, page: int = 1, page_size: int = 20) -> CommentPage | None:
    """None when the resource is unknown, deleted, or private to someone else."""
    if not 1 <= page_size <= MAX_PAGE_SIZE or page < 1:
        raise ValueError("page must be >= 1 and page_size within 1..100")
    with read_query_latency.labels(read_model="comments").time():
        if not Resource.objects.visible_for(viewer).filter(pk=resource_id).exists():
            return None
        offset = (page - 1) * page_size
        rows = list(
            _thread().filter(resource_id=resource_id).order_by("created_at", "id")[offset : offset + page_size + 1]
        )
        return CommentPage(
            items=[_item(row) for row in rows[:page_size]],
            meta=CommentPageMeta(page=page, page_size=page_size, has_next=len(rows) > page_size),
        )


def get_comment(*, comment_id) -> CommentItem | None:
    """A single comment as the thread shows it (one query); used to answer its creation."""
    with read_query_latency.labels(read_model="comment").time():
        row = _thread().filter(pk=comment_id).first()
        return _item(row) if row is not None else None
