"""The public feed: published resources, newest first or by relevance to `q`, by page or cursor.

Exactly two queries whatever the page size, search and filters: the page (author name and
comment count joined in), then the page's tag names. The cursor is an opaque token for the
keyset of the last item: (created_at, id), served by the partial index `resource_feed_idx`,
or with `q` (rank, created_at, id), so a deep page costs what the first one costs.
`tag` filters (all of them must match) and `author` narrow either order; full-text matching
lives in `read_models.feed_search`.
"""

import base64
import binascii
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from django.db import connection
from django.db.models import Count, Exists, F, FloatField, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.dateparse import parse_datetime

from core.metrics import read_query_latency
from core.models import Tag
from interactions.models import Comment
from read_models.author_names import display_name
from read_models.compiled import CompiledQuery, Many
from read_models.feed_search import full_text
from read_models.paging import DEFAULT_PAGE_SIZE, CursorMeta, Page, cursor_window, offset_window, split_page
from resources.models import Resource

# The feed query's limits, read by its serializer and by the plain query-string reader alike.
MAX_QUERY_LENGTH = 200
MAX_CURSOR_LENGTH = 200
MAX_TAG_LENGTH = 100
MAX_TAG_FILTERS = 10


class InvalidCursor(ValueError):
    """The cursor was not produced by this feed (or was tampered with)."""


@dataclass(frozen=True, kw_only=True)
class FeedCursor:
    """Where the previous page ended; `rank` is set when it was a search (ordered by relevance)."""

    created_at: datetime
    id: UUID
    rank: float | None = None

    def encode(self) -> str:
        keys = [self.created_at.isoformat(), self.id.hex]
        if self.rank is not None:
            keys.append(self.rank)
        raw = json.dumps(keys, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "FeedCursor":
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            created_at_text, id_hex, *rest = json.loads(raw)
            created_at = parse_datetime(created_at_text)
            if created_at is None or created_at.tzinfo is None:
                raise ValueError("naive or malformed timestamp")
            # Normalized here: an offset at the calendar's edge (9999-12-31T23:59-23:59) has no UTC.
            created_at = created_at.astimezone(UTC)
            return cls(created_at=created_at, id=UUID(hex=id_hex), rank=_rank_from(rest))
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, OverflowError) as error:
            raise InvalidCursor("Invalid cursor.") from error


def _rank_from(rest: list) -> float | None:
    if not rest:
        return None
    (rank,) = rest
    if isinstance(rank, bool) or not isinstance(rank, int | float) or not math.isfinite(rank):
        raise ValueError("rank must be a finite number")
    return float(rank)


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


FeedPage = Page[FeedItem]


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


TAG_PAIRS = CompiledQuery(
    lambda *, resource_ids: (
        Resource.tags.through.objects.filter(resource_id__in=resource_ids)
        .order_by("tag__name")
        .values("resource_id", "tag__name")
    ),
    resource_ids=Many(Resource.tags.through._meta.get_field("resource")),
)


def tag_names_by_resource(resource_ids) -> dict:
    """One query: {resource_id: [tag name, ...]} sorted by name."""
    names: dict = {resource_id: [] for resource_id in resource_ids}
    if not names:
        return names
    for pair in TAG_PAIRS.rows(resource_ids=list(names)):
        names[pair["resource_id"]].append(pair["tag__name"])
    return names


def list_feed(
    *,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    cursor: FeedCursor | None = None,
    q: str = "",
    tags: tuple[str, ...] = (),
    author_id: UUID | None = None,
) -> FeedPage:
    """Newest first, or by relevance then newest when `q` is given; `tags` (slugs) all present,
    written by `author_id`. With `cursor`, the page after it (and `page` is ignored); a cursor
    from a search pages only a search, and the other way round."""
    fetch = offset_window(page, page_size) if cursor is None else cursor_window(page_size)
    q = q.strip()
    if len(q) > MAX_QUERY_LENGTH or len(tags) > MAX_TAG_FILTERS:
        raise ValueError("q or tags too long")
    if cursor is not None and (cursor.rank is not None) != bool(q):
        raise InvalidCursor("This cursor belongs to another ordering of the feed.")
    tags = tuple(dict.fromkeys(tags))
    with read_query_latency.labels(read_model="search" if q else "feed").time():
        if q:
            fetched = _searched_rows(q, tags, author_id, cursor, fetch)
        else:
            fetched = NEWEST_ROWS.rows(
                fetch.start,
                fetch.stop - fetch.start,
                cursor is not None,
                author_id is not None,
                cursor_at=cursor.created_at if cursor else None,
                cursor_id=cursor.id if cursor else None,
                tags=list(tags),
                author_id=author_id,
            )
        fetched, has_next = split_page(fetched, page_size)
        tag_names = tag_names_by_resource([row["id"] for row in fetched])
        items = [
            FeedItem(
                id=row["id"],
                title=row["title"],
                author_name=display_name(row["author_username"], row["author_id"]),
                tags=tag_names[row["id"]],
                visibility=row["visibility"],
                created_at=row["created_at"],
                stats=FeedItemStats(comment_count=row["comment_count"]),
            )
            for row in fetched
        ]
        last = fetched[-1] if has_next and fetched else None
        next_cursor = (
            FeedCursor(created_at=last["created_at"], id=last["id"], rank=last.get("rank")).encode() if last else None
        )
        return Page(
            items=items,
            meta=CursorMeta(
                page=None if cursor is not None else page,
                page_size=page_size,
                has_next=has_next,
                next_cursor=next_cursor,
            ),
        )


# Deferred join: the inner query walks only the index (or the matches) to pick the page's ids;
# names and comment counts are computed for those rows alone. One row more than the page tells
# whether a next page exists, without a COUNT.
ROW_FIELDS = ("id", "title", "visibility", "created_at", "author_id", "author_username", "comment_count")


def _rows(rows, ordering, *extra):
    rows = rows.annotate(author_username=F("author__profile__username"), comment_count=live_comment_count())
    return rows.order_by(*ordering).values(*ROW_FIELDS, *extra)


def _newest_rows(offset, limit, after, by_author, *, cursor_at, cursor_id, tags, author_id):
    window = _filtered(Resource.objects.published(), tags=tags, author_id=author_id if by_author else None)
    if after:
        window = window.filter(_after(cursor_at, cursor_id))
    ordering = ("-created_at", "-id")
    page_ids = window.order_by(*ordering).values("id")[offset : offset + limit]
    return _rows(Resource.objects.filter(pk__in=page_ids), ordering)


NEWEST_ROWS = CompiledQuery(
    _newest_rows,
    cursor_at=Resource._meta.get_field("created_at"),
    cursor_id=Resource._meta.pk,
    tags=Many(Tag._meta.get_field("slug")),
    author_id=Resource._meta.get_field("author"),
)


def _searched_rows(q: str, tags: tuple[str, ...], author_id, cursor, fetch: slice) -> list[dict]:
    shape = (fetch.start, fetch.stop - fetch.start, cursor is not None, author_id is not None)
    values = {
        "q": q,
        "tags": list(tags),
        "author_id": author_id,
        "cursor_rank": cursor.rank if cursor else None,
        "cursor_at": cursor.created_at if cursor else None,
        "cursor_id": cursor.id if cursor else None,
    }
    if connection.vendor == "postgresql":
        return SEARCHED_ROWS.rows(*shape, **values)
    # Not compiled on SQLite: it turns `q` itself into SQL (an FTS5 expression, or no query at all).
    return list(_searched(*shape, **values))


def _searched(offset, limit, after, by_author, *, q, tags, author_id, cursor_rank, cursor_at, cursor_id):
    window = _filtered(Resource.objects.published(), tags=tags, author_id=author_id if by_author else None)
    cursor = FeedCursor(created_at=cursor_at, id=cursor_id, rank=cursor_rank) if after else None
    page_ids = _ranked_page_ids(full_text().matching(window, q), cursor, slice(offset, offset + limit))
    ranked = full_text().ranked(Resource.objects.filter(pk__in=page_ids), q)
    return _rows(ranked, ("-rank", "-created_at", "-id"), "rank")


# PostgreSQL only: there `q` is one parameter of websearch_to_tsquery whatever it says.
SEARCHED_ROWS = CompiledQuery(
    _searched,
    q=Resource._meta.get_field("title"),
    tags=Many(Tag._meta.get_field("slug")),
    author_id=Resource._meta.get_field("author"),
    cursor_rank=FloatField(),
    cursor_at=Resource._meta.get_field("created_at"),
    cursor_id=Resource._meta.pk,
)


def _filtered(queryset, *, tags: tuple[str, ...], author_id: UUID | None):
    """Each tag one EXISTS on the (resource, tag) unique index; an unknown slug matches nothing."""
    if author_id is not None:
        queryset = queryset.filter(author_id=author_id)
    for slug in tags:
        links = Resource.tags.through.objects.filter(resource_id=OuterRef("pk"), tag__slug=slug)
        queryset = queryset.filter(Exists(links))
    return queryset


def _after(at: datetime, last_id: UUID) -> Q:
    """Rows strictly after the cursor (at, last_id) in newest-first order."""
    # `created_at <= c` bounds the index scan; the OR only breaks ties within one instant.
    return Q(created_at__lte=at) & (Q(created_at__lt=at) | Q(id__lt=last_id))


def _ranked_page_ids(matches, cursor: FeedCursor | None, fetch: slice):
    """Ids of one page of `matches` by (rank, created_at, id) descending, after `cursor`.

    The matches form a fenced derived table, so each rank is computed once and the keyset
    compares a column: inlined, the rank would be computed again in WHERE for every match and
    a deep page would cost twice the first.
    """
    if matches.query.is_empty():  # nothing to look for (stop words only): no SQL to build on
        return matches.values("id")
    inner, params = matches.order_by().values("id", "created_at", "rank").query.sql_with_params()
    keyset, keyset_params = "", []
    if cursor is not None:
        keyset = "WHERE (m.rank, m.created_at, m.id) < (%s, %s, %s)"
        keyset_params = [
            cursor.rank,
            Resource._meta.get_field("created_at").get_db_prep_value(cursor.created_at, connection),
            Resource._meta.pk.get_db_prep_value(cursor.id, connection),
        ]
    # Only the ORM's compiled SQL and constants are spliced in; every value is a parameter.
    sql = (
        f"SELECT m.id FROM ({inner} {full_text().fence}) m {keyset} "  # noqa: S608
        "ORDER BY m.rank DESC, m.created_at DESC, m.id DESC LIMIT %s OFFSET %s"
    )
    return RawSQL(sql, [*params, *keyset_params, fetch.stop - fetch.start, fetch.start])  # noqa: S611
