"""What the read-path bench requests: run inside Django by bench/read_paths.py (and by its tests)."""

from django.db.models import Count

from interactions.models import Comment
from read_models.feed import list_feed
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
