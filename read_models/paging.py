"""Paging for every list read model: the page types, the limits and the one rule for a bad request.

A page fetches one row more than it shows: that row tells whether a next page exists, without a
COUNT. A page number or size out of range is refused with `InvalidPage`, never clamped: a client
asking for 1,000 rows and silently getting 100 would page wrongly. The API validates the same
bounds first (api/serializers/paging.py), so a client sees a 400 `validation_error` envelope and
these refusals guard callers inside the code (commands, benchmarks, other read models).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Offset paging reads every skipped row; deeper than this, the feed's cursor is the way on.
MAX_PAGE = 10_000

Row = TypeVar("Row")
Item = TypeVar("Item")


class InvalidPage(ValueError):
    """A page number or page size outside 1..MAX_PAGE, 1..MAX_PAGE_SIZE."""


@dataclass(frozen=True, kw_only=True)
class OffsetMeta:
    page: int
    page_size: int
    has_next: bool


@dataclass(frozen=True, kw_only=True)
class CursorMeta:
    """`page` is None when the page was reached by cursor; `next_cursor` is set when `has_next`."""

    page: int | None
    page_size: int
    has_next: bool
    next_cursor: str | None


@dataclass(frozen=True, kw_only=True)
class Page(Generic[Item]):
    items: list[Item]
    meta: OffsetMeta | CursorMeta


def check_page(page: int, page_size: int) -> None:
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidPage(f"page_size must be within 1..{MAX_PAGE_SIZE}, got {page_size}")
    if not 1 <= page <= MAX_PAGE:
        raise InvalidPage(f"page must be within 1..{MAX_PAGE}, got {page}")


def offset_window(page: int, page_size: int) -> slice:
    """The rows to fetch for `page`: its own and the one after it (checked first)."""
    check_page(page, page_size)
    start = (page - 1) * page_size
    return slice(start, start + page_size + 1)


def cursor_window(page_size: int) -> slice:
    """The rows to fetch after a cursor (the query itself starts after it)."""
    check_page(1, page_size)
    return slice(0, page_size + 1)


def split_page(rows: Sequence[Row], page_size: int) -> tuple[Sequence[Row], bool]:
    """The page's rows and whether a next page exists, from a fetch of `page_size + 1` rows."""
    return rows[:page_size], len(rows) > page_size


def offset_page(rows: Sequence[Row], *, page: int, page_size: int, item: Callable[[Row], Item]) -> Page[Item]:
    """The page built from the rows fetched through `offset_window(page, page_size)`."""
    shown, has_next = split_page(rows, page_size)
    return Page(items=[item(row) for row in shown], meta=OffsetMeta(page=page, page_size=page_size, has_next=has_next))
