"""The paging rule every list read model follows: bounds refused (never clamped), one extra row
fetched to tell whether a next page exists."""

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIClient

from read_models.billing import list_payments
from read_models.comments import list_comments
from read_models.feed import list_feed
from read_models.paging import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    CursorMeta,
    InvalidPage,
    OffsetMeta,
    check_page,
    cursor_window,
    offset_page,
    offset_window,
)
from resources.tests.factories import ResourceFactory
from users.tests.factories import UserFactory


@pytest.mark.parametrize(("page", "page_size"), [(1, 1), (1, MAX_PAGE_SIZE), (MAX_PAGE, 20)])
def test_bounds_themselves_are_accepted(page, page_size):
    check_page(page, page_size)


@pytest.mark.parametrize(
    ("page", "page_size", "named"),
    [
        (1, 0, "page_size"),
        (1, MAX_PAGE_SIZE + 1, "page_size"),
        (1, -5, "page_size"),
        (0, 20, "page"),
        (MAX_PAGE + 1, 20, "page"),
    ],
)
def test_out_of_range_is_refused_naming_the_parameter(page, page_size, named):
    with pytest.raises(InvalidPage, match=rf"^{named} must be within"):
        check_page(page, page_size)


def test_offset_window_covers_the_page_and_one_row_after_it():
    assert offset_window(1, 20) == slice(0, 21)
    assert offset_window(3, 20) == slice(40, 61)
    assert list(range(100))[offset_window(4, 25)] == list(range(75, 100))


def test_cursor_window_starts_at_the_cursor_and_checks_the_size():
    assert cursor_window(5) == slice(0, 6)
    with pytest.raises(InvalidPage):
        cursor_window(MAX_PAGE_SIZE + 1)


def test_offset_page_shows_page_size_items_and_tells_a_next_page_from_the_extra_row():
    page = offset_page([1, 2, 3, 4], page=2, page_size=3, item=str)
    assert page.items == ["1", "2", "3"]
    assert page.meta == OffsetMeta(page=2, page_size=3, has_next=True)


def test_offset_page_without_the_extra_row_is_the_last():
    page = offset_page([1, 2, 3], page=1, page_size=3, item=lambda row: row * 10)
    assert page.items == [10, 20, 30] and page.meta.has_next is False
    assert offset_page([], page=7, page_size=3, item=str).meta == OffsetMeta(page=7, page_size=3, has_next=False)


def _feed():
    return list_feed


def _comments():
    resource_id = ResourceFactory().pk
    return lambda **paging: list_comments(resource_id=resource_id, viewer=AnonymousUser(), **paging)


def _payments():
    user = UserFactory()
    return lambda **paging: list_payments(user=user, **paging)


LIST_READS = pytest.mark.parametrize("prepare", [_feed, _comments, _payments], ids=["feed", "comments", "payments"])


@LIST_READS
@pytest.mark.parametrize(("page", "page_size"), [(1, 0), (1, MAX_PAGE_SIZE + 1), (0, 20), (MAX_PAGE + 1, 20)])
@pytest.mark.django_db
def test_every_list_read_refuses_a_bad_page_before_querying(prepare, page, page_size, django_assert_num_queries):
    read = prepare()
    with django_assert_num_queries(0), pytest.raises(InvalidPage):
        read(page=page, page_size=page_size)


@LIST_READS
@pytest.mark.django_db
def test_every_list_read_answers_the_page_it_was_asked(prepare):
    page = prepare()(page=2, page_size=MAX_PAGE_SIZE)
    assert (page.items, page.meta.page, page.meta.page_size, page.meta.has_next) == ([], 2, MAX_PAGE_SIZE, False)


@pytest.mark.django_db
def test_feed_meta_is_a_cursor_meta():
    assert isinstance(list_feed().meta, CursorMeta)


def _signed_in() -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ["feed", "comments", "payments"])
@pytest.mark.parametrize(
    ("query", "field"),
    [({"page_size": 0}, "page_size"), ({"page_size": 1000}, "page_size"), ({"page": MAX_PAGE + 1}, "page")],
)
def test_every_list_endpoint_answers_a_bad_page_with_a_400_envelope(endpoint, query, field):
    urls = {
        "feed": lambda: "/api/feed/",
        "comments": lambda: f"/api/resources/{ResourceFactory().pk}/comments/",
        "payments": lambda: "/api/billing/payments/",
    }
    response = _signed_in().get(urls[endpoint](), query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and field in error["details"]
