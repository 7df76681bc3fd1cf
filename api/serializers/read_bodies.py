"""The public read paths' bodies, built as dicts from the read models' dataclasses.

A DRF serializer deep-copies its declared fields for every instance and walks them per value:
on a detail page that cost more CPU than the three queries. These functions build the same
JSON directly (ids and times stay UUID and datetime objects; the JSON renderer writes them as
DRF's fields do). The serializers they mirror still document the shapes in the OpenAPI schema,
and api/tests/test_read_bodies.py checks that both render alike.
"""

from read_models.author_profile import AuthorProfile
from read_models.comments import CommentItem
from read_models.feed import FeedItem
from read_models.paging import CursorMeta, OffsetMeta
from read_models.resource_detail import ResourceDetail


def feed_item(item: FeedItem) -> dict:
    """As FeedItemSerializer."""
    return {
        "id": item.id,
        "title": item.title,
        "author_name": item.author_name,
        "tags": item.tags,
        "visibility": item.visibility,
        "created_at": item.created_at,
        "stats": {"comment_count": item.stats.comment_count},
    }


def feed_meta(meta: CursorMeta) -> dict:
    """As CursorMetaSerializer."""
    return {"page": meta.page, "page_size": meta.page_size, "has_next": meta.has_next, "next_cursor": meta.next_cursor}


def resource_detail(detail: ResourceDetail) -> dict:
    """As ResourceDetailSerializer (no price or creation time: those are for the author's own writes)."""
    return {
        "id": detail.id,
        "title": detail.title,
        "description": detail.description,
        "visibility": detail.visibility,
        "author": {"id": detail.author.id, "username": detail.author.username},
        "tags": detail.tags,
        "versions": [
            {"version_number": version.version_number, "file_url": version.file_url} for version in detail.versions
        ],
        "stats": {"comment_count": detail.stats.comment_count},
    }


def author_profile(profile: AuthorProfile) -> dict:
    """As AuthorProfileSerializer."""
    return {
        "id": profile.id,
        "username": profile.username,
        "bio": profile.bio,
        "avatar_url": profile.avatar_url,
        "stats": {"total_resources": profile.stats.total_resources},
        "recent_resources": [
            {"id": recent.id, "title": recent.title, "visibility": recent.visibility, "created_at": recent.created_at}
            for recent in profile.recent_resources
        ],
    }


def comment(item: CommentItem) -> dict:
    """As CommentSerializer."""
    return {
        "id": item.id,
        "author_name": item.author_name,
        "content": item.content,
        "parent_id": item.parent_id,
        "created_at": item.created_at,
        "score": item.score,
        "deleted": item.deleted,
    }


def comment_meta(meta: OffsetMeta) -> dict:
    """As OffsetMetaSerializer."""
    return {"page": meta.page, "page_size": meta.page_size, "has_next": meta.has_next}
