"""Tag lookup shared by the resource services."""

from core.models import Tag


def find_tags(slugs) -> tuple[list[Tag], list[str]]:
    """The tags named by `slugs` (duplicates ignored) and the slugs that match no tag."""
    wanted = list(dict.fromkeys(slugs))
    found = {tag.slug: tag for tag in Tag.objects.filter(slug__in=wanted)}
    return [found[slug] for slug in wanted if slug in found], [slug for slug in wanted if slug not in found]
