"""What the read-path bench requests: run inside Django by bench/read_paths.py (and by its tests)."""

from django.db.models import Count

from interactions.models import Comment
from read_models.feed import FeedCursor, list_feed
from resources.models import Resource


def pick_targets() -> dict:
    """A published resource with two or more versions and comments, its author, a deep page at 80% of the feed."""
    published = Resource.objects.published()
    total = published.count()
    # distinct: the comments join repeats each version once per comment.
    resource = (
        published.annotate(n=Count("versions", distinct=True))
        .filter(n__gte=2, comments__isnull=False)
        .order_by("-created_at")
        .first()
    )
    deep_page = max(2, int(total * 0.8) // 20)
    page_before = list_feed(page=deep_page - 1, page_size=20)
    last = published.get(pk=page_before.items[-1].id)
    return {
        **search_targets(),
        "dataset": {
            "resources": Resource.all_objects.count(),
            "published": total,
            "comments": Comment.all_objects.count(),
        },
        "resource_id": str(resource.pk),
        "author_id": str(resource.author_id),
        "deep_page": deep_page,
        "our_cursor": page_before.meta.next_cursor,
        "drf_position": str(last.created_at),
    }


# What the search rows ask for: words the seeded titles, tags and descriptions contain.
SEARCHES = {
    "common word": {"q": "guide"},
    "rare word": {"q": "descriptors"},
    "two-word phrase": {"q": '"row locks"'},
    "tag filter": {"tag": ["python"]},
    "tag and q": {"tag": ["postgresql"], "q": "indexes"},
}
DEEP_SEARCH_PAGE = 50


def search_targets() -> dict:
    """Each search's first-page size, and the cursor to page 50 of the common word's results."""
    sizes = {}
    for name, query in SEARCHES.items():
        page = list_feed(page_size=20, q=query.get("q", ""), tags=tuple(query.get("tag", ())))
        sizes[name] = len(page.items)
    cursor = None
    for _ in range(DEEP_SEARCH_PAGE - 1):
        token = list_feed(page_size=20, q=SEARCHES["common word"]["q"], cursor=cursor).meta.next_cursor
        if token is None:  # fewer than 50 pages (a small dataset)
            return {"searches": SEARCHES, "search_page_sizes": sizes, "deep_search_cursor": None}
        cursor = FeedCursor.decode(token)
    return {"searches": SEARCHES, "search_page_sizes": sizes, "deep_search_cursor": token}
