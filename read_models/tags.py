"""Every tag, for pickers and filters. One query."""

from dataclasses import dataclass

from core.metrics import read_query_latency
from core.models import Tag


@dataclass(frozen=True, kw_only=True)
class TagItem:
    name: str
    slug: str


def list_tags() -> list[TagItem]:
    with read_query_latency.labels(read_model="tags").time():
        return [
            TagItem(name=name, slug=slug) for name, slug in Tag.objects.order_by("name").values_list("name", "slug")
        ]
