"""A resource's comment thread, oldest first, paginated. Two queries whatever the page size, each
compiled once per shape (read_models.compiled).

Deleted comments vanish, except those with a live descendant (a reply, a reply to a reply, ...):
they stay as placeholders (content null, deleted true) so every shown comment's parent is shown
and the thread keeps its shape.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db import connection
from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from core.metrics import read_query_latency
from interactions.models import Comment, CommentVote
from read_models.author_names import display_name
from read_models.compiled import CompiledQuery
from read_models.paging import DEFAULT_PAGE_SIZE, Page, offset_page, offset_window
from read_models.viewers import signed_in_id
from resources.models import Resource


@dataclass(frozen=True, kw_only=True)
class CommentItem:
    id: UUID
    author_name: str | None
    content: str | None
    parent_id: UUID | None
    created_at: datetime
    score: int
    deleted: bool


CommentPage = Page[CommentItem]


def _shown_ancestors(*, resource_id=None, comment_id=None) -> RawSQL:
    """Ids of every comment above a live comment of one resource (given, or the comment's), at
    any depth.

    A recursive CTE (PostgreSQL and SQLite alike) keeps the thread at one query whatever its
    depth; UNION (not UNION ALL) stops on rows already found, so even a cycle terminates.
    """
    table = connection.ops.quote_name(Comment._meta.db_table)
    resource = "%s" if comment_id is None else f"(SELECT resource_id FROM {table} WHERE id = %s)"  # noqa: S608
    # The table name comes from the model and the one value is a parameter.
    return RawSQL(  # noqa: S611
        f"""
        WITH RECURSIVE above_live(id) AS (
            SELECT live.parent_id FROM {table} live
            WHERE live.resource_id = {resource} AND live.deleted_at IS NULL AND live.parent_id IS NOT NULL
            UNION
            SELECT up.parent_id FROM {table} up JOIN above_live ON up.id = above_live.id
            WHERE up.parent_id IS NOT NULL
        )
        SELECT id FROM above_live
        """,  # noqa: S608
        # A UUID as this database stores it (SQLite: 32 hex digits).
        [Comment._meta.pk.get_db_prep_value(comment_id or resource_id, connection)],
    )


def _thread(shown_ancestors: RawSQL):
    score = (
        CommentVote.objects.filter(comment_id=OuterRef("pk"))
        .order_by()
        .values("comment_id")
        .annotate(total=Sum("value"))
        .values("total")
    )
    return (
        Comment.all_objects.annotate(
            score=Coalesce(Subquery(score, output_field=IntegerField()), Value(0)),
            author_username=F("author__profile__username"),
        )
        .filter(Q(deleted_at__isnull=True) | Q(pk__in=shown_ancestors))
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


def _visible(signed_in: bool, *, resource_id, viewer_id):
    return Resource.objects.visible_to(viewer_id if signed_in else None).filter(pk=resource_id).values("pk")[:1]


def _thread_page(offset: int, limit: int, *, resource_id):
    thread = _thread(_shown_ancestors(resource_id=resource_id)).filter(resource_id=resource_id)
    return thread.order_by("created_at", "id")[offset : offset + limit]


VISIBLE = CompiledQuery(_visible, resource_id=Resource._meta.pk, viewer_id=Resource._meta.get_field("author"))
THREAD_PAGE = CompiledQuery(_thread_page, resource_id=Comment._meta.get_field("resource"))


def list_comments(*, resource_id, viewer, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE) -> CommentPage | None:
    """None when the resource is unknown, deleted, or private to someone else."""
    window = offset_window(page, page_size)
    with read_query_latency.labels(read_model="comments").time():
        viewer_id = signed_in_id(viewer)
        if not VISIBLE.rows(viewer_id is not None, resource_id=resource_id, viewer_id=viewer_id):
            return None
        rows = THREAD_PAGE.rows(window.start, window.stop - window.start, resource_id=resource_id)
        return offset_page(rows, page=page, page_size=page_size, item=_item)


def get_comment(*, comment_id) -> CommentItem | None:
    """A single comment as the thread shows it (one query); used to answer its creation."""
    with read_query_latency.labels(read_model="comment").time():
        row = _thread(_shown_ancestors(comment_id=comment_id)).filter(pk=comment_id).first()
        return _item(row) if row is not None else None
