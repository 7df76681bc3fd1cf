"""list_feed's contract, called directly: order, cursor edges, filters and refusals."""

import datetime
import uuid

import pytest
from django.utils import timezone

from core.tests.factories import TagFactory
from interactions.tests.factories import CommentFactory
from read_models import feed
from read_models.feed import MAX_QUERY_LENGTH, MAX_TAG_FILTERS, FeedCursor, InvalidCursor, list_feed
from resources.models import Resource
from resources.tests.factories import ResourceFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
AT = timezone.now().replace(microsecond=0) - datetime.timedelta(days=1)


def published_at(moment: datetime.datetime, **fields) -> Resource:
    resource = ResourceFactory(**fields)
    Resource.all_objects.filter(pk=resource.pk).update(created_at=moment)
    return resource


def ids(page) -> list:
    return [item.id for item in page.items]


def test_newest_first_and_ties_broken_by_id_descending():
    older = published_at(AT - datetime.timedelta(hours=1))
    tied = [published_at(AT) for _ in range(3)]
    assert ids(list_feed()) == [*sorted((r.pk for r in tied), reverse=True), older.pk]


def test_private_and_deleted_resources_are_never_listed():
    shown = published_at(AT, visibility="premium")
    published_at(AT, visibility="private")
    published_at(AT).delete()
    assert ids(list_feed()) == [shown.pk]


def test_the_last_page_has_no_cursor_and_a_full_one_points_at_its_last_item():
    resources = [published_at(AT - datetime.timedelta(minutes=n)) for n in range(3)]
    first = list_feed(page_size=2)
    assert first.meta.has_next and first.meta.page == 1
    assert FeedCursor.decode(first.meta.next_cursor) == FeedCursor(
        created_at=AT - datetime.timedelta(minutes=1), id=resources[1].pk
    )
    last = list_feed(page_size=2, cursor=FeedCursor.decode(first.meta.next_cursor))
    assert ids(last) == [resources[2].pk]
    assert (last.meta.page, last.meta.has_next, last.meta.next_cursor) == (None, False, None)


def test_a_page_exactly_full_at_the_end_says_there_is_no_next_page():
    for n in range(2):
        published_at(AT - datetime.timedelta(minutes=n))
    page = list_feed(page_size=2)
    assert len(page.items) == 2 and not page.meta.has_next and page.meta.next_cursor is None


def test_a_cursor_inside_a_tie_continues_after_it_without_repeating():
    tied = sorted((published_at(AT).pk for _ in range(5)), reverse=True)
    cursor = FeedCursor(created_at=AT, id=tied[1])
    assert ids(list_feed(cursor=cursor)) == tied[2:]


def test_a_cursor_past_everything_is_an_empty_last_page():
    published_at(AT)
    page = list_feed(cursor=FeedCursor(created_at=AT - datetime.timedelta(days=365), id=uuid.uuid4()))
    assert page.items == [] and not page.meta.has_next


def test_every_tag_asked_must_be_present_and_an_unknown_one_matches_nothing():
    python, django = TagFactory(slug="python"), TagFactory(slug="django")
    both = published_at(AT, tags=[python, django])
    published_at(AT, tags=[python])
    assert ids(list_feed(tags=("python", "django"))) == [both.pk]
    assert ids(list_feed(tags=("python", "python", "django"))) == [both.pk]
    assert list_feed(tags=("no-such-tag",)).items == []


def test_author_filter_and_item_fields():
    author = UserFactory(username="ada")
    mine = published_at(AT, author=author, tags=[TagFactory(name="Zed"), TagFactory(name="Alpha")])
    published_at(AT)
    CommentFactory(resource=mine)
    CommentFactory(resource=mine).delete()
    (item,) = list_feed(author_id=author.pk).items
    assert (item.id, item.author_name, item.tags, item.stats.comment_count) == (mine.pk, "ada", ["Alpha", "Zed"], 1)


def test_a_search_cursor_does_not_page_the_plain_feed_nor_the_other_way_round():
    with pytest.raises(InvalidCursor):
        list_feed(cursor=FeedCursor(created_at=AT, id=uuid.uuid4(), rank=0.5))
    with pytest.raises(InvalidCursor):
        list_feed(q="python", cursor=FeedCursor(created_at=AT, id=uuid.uuid4()))


def test_a_query_or_a_tag_list_over_the_limits_is_refused():
    with pytest.raises(ValueError, match="too long"):
        list_feed(q="x" * (MAX_QUERY_LENGTH + 1))
    with pytest.raises(ValueError, match="too long"):
        list_feed(tags=tuple(f"t{n}" for n in range(MAX_TAG_FILTERS + 1)))


@pytest.mark.parametrize("rank", [None, 0.0, 2.5])
def test_a_cursor_decodes_to_what_was_encoded(rank):
    cursor = FeedCursor(created_at=AT, id=uuid.uuid4(), rank=rank)
    assert FeedCursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize("token", ["", "not-base64!", "WyJ4Il0", "WyIyMDI0LTAxLTAxVDAwOjAwOjAwIiwiYWJjIl0"])
def test_a_token_the_feed_did_not_make_is_an_invalid_cursor(token):
    with pytest.raises(InvalidCursor):
        FeedCursor.decode(token)


def test_a_cursor_with_a_rank_that_is_not_a_finite_number_is_invalid():
    token = FeedCursor(created_at=AT, id=uuid.uuid4(), rank=float("nan")).encode()
    with pytest.raises(InvalidCursor):
        FeedCursor.decode(token)


@pytest.mark.postgres
def test_a_compiled_search_returns_what_the_orm_returns_for_each_calls_values():
    """PostgreSQL runs searches compiled once per shape; each call binds its own words, tags and cursor."""
    ada, bob = UserFactory(username="ada"), UserFactory(username="bob")
    python, django = TagFactory(name="Python", slug="python"), TagFactory(name="Django", slug="django")
    for n in range(8):
        published_at(
            AT - datetime.timedelta(minutes=n),
            title=f"Design patterns {n}" if n % 2 else f"Locking notes {n}",
            description="patterns " * (n % 3 + 1),
            author=ada if n % 3 else bob,
            tags=[python, django] if n % 2 else [python],
        )
    first = feed.list_feed(q="patterns", page_size=3)
    cursor = FeedCursor.decode(first.meta.next_cursor)
    calls = [
        ((0, 4, False, False), {"q": "patterns", "tags": []}),
        ((0, 4, False, False), {"q": "locking", "tags": []}),
        ((0, 4, False, True), {"q": "patterns", "tags": ["python"], "author_id": ada.pk}),
        ((0, 4, False, True), {"q": "notes", "tags": ["django"], "author_id": bob.pk}),
        ((2, 3, False, False), {"q": "patterns -locking", "tags": ["python", "django"]}),
        ((0, 4, True, False), {"q": "patterns", "tags": [], "cursor": cursor}),
        (
            (0, 4, True, False),
            {"q": "design", "tags": [], "cursor": FeedCursor(created_at=AT, id=uuid.uuid4(), rank=1.0)},
        ),
    ]
    found = 0
    for shape, call in calls:
        cursor_given = call.pop("cursor", None)
        values = {
            "author_id": None,
            **call,
            "cursor_rank": cursor_given.rank if cursor_given else None,
            "cursor_at": cursor_given.created_at if cursor_given else None,
            "cursor_id": cursor_given.id if cursor_given else None,
        }
        compiled = feed.SEARCHED_ROWS.rows(*shape, **values)
        assert compiled == list(feed._searched(*shape, **values)), (shape, call)
        found += len(compiled)
    assert found  # the calls select something: not a comparison of empty lists
