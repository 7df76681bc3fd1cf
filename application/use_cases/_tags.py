"""Tags named by slug in a command (a resource's tags, a user's interests): one lookup, one refusal."""

from application.exceptions import UnknownTags
from core.models import Tag


def tags_or_refuse(slugs) -> list[Tag]:
    """The tags named by `slugs` in their order, each once; UnknownTags names every slug that
    matches no tag, so nothing is written with part of what the client asked for."""
    wanted = list(dict.fromkeys(slugs))
    found = {tag.slug: tag for tag in Tag.objects.filter(slug__in=wanted)}
    unknown = [slug for slug in wanted if slug not in found]
    if unknown:
        raise UnknownTags(unknown)
    return [found[slug] for slug in wanted]
