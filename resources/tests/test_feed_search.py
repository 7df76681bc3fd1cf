"""Feed search (`q`) and filters (`tag`, `author`) on both databases."""

import base64
import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from application.dto.resources import UpdateResourceCommand
from application.use_cases.update_resource import update_resource
from core.models import Tag
from core.tests.factories import TagFactory
from interactions.tests.factories import CommentFactory
from resources.models import Resource, Visibility
from resources.tests.factories import ResourceFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FEED = "/api/feed/"


def titles(api_client, **query) -> list[str]:
    response = api_client.get(FEED, query)
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["data"]]


def test_search_matches_title_tag_names_and_description_and_ranks_title_first(api_client):
    ResourceFactory(title="In the description", description="All about decorators and their uses.")
    ResourceFactory(title="In a tag", tags=[TagFactory(name="Decorators", slug="decorators")])
    ResourceFactory(title="Decorators explained")
    ResourceFactory(title="Unrelated", description="Generators.")

    assert titles(api_client, q="decorator") == ["Decorators explained", "In a tag", "In the description"]


def test_search_never_matches_private_or_deleted_resources(api_client):
    ResourceFactory(title="Listed asyncio notes")
    ResourceFactory(title="Premium asyncio notes", visibility=Visibility.PREMIUM)
    ResourceFactory(title="Private asyncio notes", visibility=Visibility.PRIVATE)
    ResourceFactory(title="Deleted asyncio notes").delete()

    assert sorted(titles(api_client, q="asyncio")) == ["Listed asyncio notes", "Premium asyncio notes"]


def test_search_syntax_phrases_or_and_exclusion(api_client):
    ResourceFactory(title="Row locks in practice")
    ResourceFactory(title="Locks on every row of the table")
    ResourceFactory(title="Partial indexes")

    assert titles(api_client, q='"row locks"') == ["Row locks in practice"]
    assert sorted(titles(api_client, q="row locks")) == ["Locks on every row of the table", "Row locks in practice"]
    assert sorted(titles(api_client, q="partial or practice")) == ["Partial indexes", "Row locks in practice"]
    assert titles(api_client, q="locks -table") == ["Row locks in practice"]


def test_a_query_of_stop_words_only_is_an_empty_page(api_client):
    ResourceFactory(title="The art of the possible")
    body = api_client.get(FEED, {"q": "the of and"}).json()
    assert body["data"] == [] and body["meta"]["has_next"] is False


def test_blank_q_is_the_ordinary_feed(api_client):
    ResourceFactory(title="older")
    ResourceFactory(title="newer")
    assert titles(api_client, q="   ") == ["newer", "older"]


def test_tag_filters_require_every_tag_and_an_unknown_tag_is_an_empty_page(api_client):
    python, django = TagFactory(name="Python", slug="python"), TagFactory(name="Django", slug="django")
    ResourceFactory(title="both", tags=[python, django])
    ResourceFactory(title="python only", tags=[python])
    ResourceFactory(title="untagged")

    assert sorted(titles(api_client, tag="python")) == ["both", "python only"]
    assert titles(api_client, tag=["python", "django"]) == ["both"]
    assert titles(api_client, tag=["python", "python"]) == ["python only", "both"]
    assert titles(api_client, tag="no-such-tag") == []
    assert titles(api_client, tag=["python", "no-such-tag"]) == []


def test_author_filter_and_an_unknown_author_is_an_empty_page(api_client):
    ada, grace = UserFactory(username="ada"), UserFactory(username="grace")
    ResourceFactory(title="by ada", author=ada)
    ResourceFactory(title="by ada, private", author=ada, visibility=Visibility.PRIVATE)
    ResourceFactory(title="by grace", author=grace)

    assert titles(api_client, author=str(ada.pk)) == ["by ada"]
    assert titles(api_client, author=str(uuid.uuid4())) == []


def test_search_and_filters_combine(api_client):
    ada = UserFactory(username="ada")
    rust = TagFactory(name="Rust", slug="rust")
    ResourceFactory(title="Ownership in depth", author=ada, tags=[rust])
    ResourceFactory(title="Ownership for beginners", tags=[rust])
    ResourceFactory(title="Ownership of pets", author=ada)

    assert titles(api_client, q="ownership", tag="rust", author=str(ada.pk)) == ["Ownership in depth"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"q": "x" * 201}, "q"),
        ({"author": "not-a-uuid"}, "author"),
        ({"author": "1; DROP TABLE resources_resource"}, "author"),
        ({"q": "null\x00byte"}, "q"),
        ({"tag": "t" * 101}, "tag"),
        ({"tag": [f"tag-{n}" for n in range(11)]}, "tag"),
    ],
)
def test_bad_search_parameters_are_a_validation_error(api_client, query, field):
    response = api_client.get(FEED, query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and field in error["details"]


HOSTILE_QUERIES = [
    '"unbalanced quote',
    '""',
    '"',
    "-",
    "--",
    "-notes",
    "notes -",
    "a & b | !c",
    "(notes",
    "notes)",
    "notes:*",
    "title:notes",
    "NEAR(notes tips, 2)",
    "notes AND OR NOT",
    "or or or",
    "^notes",
    "notes*",
    "' OR 1=1 --",
    "'; DROP TABLE resources_resource; --",
    "%_\\",
    "Ünïcödé café naïve",
    "日本語のノート",
    "🙂🔥 notes 🚀",
    "\u200b\u202enotes",
    "x" * 200,
    "notes " * 33,
]


@pytest.mark.parametrize("q", HOSTILE_QUERIES)
def test_hostile_queries_answer_a_page_never_an_error(api_client, q):
    ResourceFactory(title="Field notes and tips", description="Café naïve Ünïcödé 日本語のノート")
    response = api_client.get(FEED, {"q": q})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok" and isinstance(body["data"], list)
    assert Resource.objects.count() == 1


def test_unicode_and_exclusion_still_find_what_they_mean(api_client):
    ResourceFactory(title="Field notes", description="Café culture")
    ResourceFactory(title="Field tips")
    assert titles(api_client, q="cafe") == ["Field notes"] or titles(api_client, q="café") == ["Field notes"]
    assert titles(api_client, q="field -notes") == ["Field tips"]
    assert titles(api_client, q="🙂") == []


def bulk_matches(count: int, *, same_instant_every: int) -> list[Resource]:
    """`count` resources with the same text (so the same rank), ties on created_at too."""
    author = UserFactory(username="bulk")
    rows = Resource.objects.bulk_create(
        [Resource(title="Paging notes", description="About keyset paging.", author=author) for _ in range(count)]
    )
    start = timezone.now() - timedelta(days=1)
    for index, resource in enumerate(rows):
        Resource.objects.filter(pk=resource.pk).update(
            created_at=start + timedelta(seconds=index // same_instant_every)
        )
    return rows


def walk(api_client, query: dict, *, page_size: int) -> list[dict]:
    seen, params = [], {**query, "page_size": page_size}
    while True:
        body = api_client.get(FEED, params).json()
        seen.extend(body["data"])
        if not body["meta"]["has_next"]:
            return seen
        params = {**query, "page_size": page_size, "cursor": body["meta"]["next_cursor"]}


def test_search_cursor_walk_visits_every_match_once_in_rank_then_newest_order(api_client):
    tied = bulk_matches(45, same_instant_every=4)
    best = ResourceFactory(title="Keyset notes")  # in the title: above every description match
    # Documents without the word, so that it is rare enough for bm25 to rank it (SQLite).
    Resource.objects.bulk_create([Resource(title="Offset paging", author=tied[0].author) for _ in range(60)])

    seen = walk(api_client, {"q": "keyset"}, page_size=7)

    ids = [item["id"] for item in seen]
    assert len(ids) == len(set(ids)) == 46
    assert ids[0] == str(best.pk)
    assert set(ids[1:]) == {str(resource.pk) for resource in tied}
    times = [item["created_at"] for item in seen[1:]]
    assert times == sorted(times, reverse=True)


def test_filtered_cursor_walk_visits_every_tagged_resource_once(api_client):
    tag = TagFactory(name="Go", slug="go")
    tagged = [ResourceFactory(title=f"go {n}", tags=[tag]) for n in range(12)]
    ResourceFactory.create_batch(5)
    ids = [item["id"] for item in walk(api_client, {"tag": "go"}, page_size=5)]
    assert sorted(ids) == sorted(str(resource.pk) for resource in tagged)


def cursor_of(api_client, query: dict) -> str:
    return api_client.get(FEED, {**query, "page_size": 1}).json()["meta"]["next_cursor"]


def test_a_cursor_pages_only_the_ordering_it_came_from(api_client):
    ResourceFactory.create_batch(3, title="Cursor notes")
    search_cursor, feed_cursor = cursor_of(api_client, {"q": "cursor"}), cursor_of(api_client, {})
    for query in ({"cursor": search_cursor}, {"cursor": feed_cursor, "q": "cursor"}):
        response = api_client.get(FEED, query)
        assert response.status_code == 400
        assert "cursor" in response.json()["error"]["details"]


@pytest.mark.parametrize("rank", ["NaN", "Infinity", '"high"', "true", "[1]"])
def test_a_forged_rank_in_a_cursor_is_a_validation_error(api_client, rank):
    raw = f'["2026-01-01T00:00:00+00:00","{uuid.uuid4().hex}",{rank}]'.encode()
    token = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    response = api_client.get(FEED, {"q": "notes", "cursor": token})
    assert response.status_code == 400 and "cursor" in response.json()["error"]["details"]


QUERY_SHAPES = [
    {"q": "pattern"},
    {"tag": "python"},
    {"tag": ["python", "django"]},
    {"author": "AUTHOR"},
    {"q": "pattern", "tag": ["python", "django"], "author": "AUTHOR"},
]


@pytest.mark.parametrize("shape", QUERY_SHAPES)
@pytest.mark.parametrize("count", [1, 100])
def test_search_and_filters_cost_two_queries_whatever_the_page(api_client, django_assert_num_queries, shape, count):
    author = UserFactory(username="ada")
    tags = [TagFactory(name="Python", slug="python"), TagFactory(name="Django", slug="django")]
    for n in range(count):
        resource = ResourceFactory(title=f"Design pattern {n}", author=author, tags=tags)
        CommentFactory(resource=resource)
    query = {key: str(author.pk) if value == "AUTHOR" else value for key, value in shape.items()}

    with django_assert_num_queries(2):
        first = api_client.get(FEED, {**query, "page_size": 50}).json()
    assert len(first["data"]) == min(count, 50)
    assert all(item["stats"]["comment_count"] == 1 and item["tags"] == ["Django", "Python"] for item in first["data"])
    if count > 50:
        with django_assert_num_queries(2):
            deep = api_client.get(FEED, {**query, "page_size": 50, "cursor": first["meta"]["next_cursor"]}).json()
        assert len(deep["data"]) == 50


# --- the search text follows tags, whoever changes them -------------------------------------


def test_search_follows_tag_changes_made_through_the_use_case(api_client):
    author = UserFactory()
    TagFactory(name="Kubernetes", slug="kubernetes")
    TagFactory(name="Terraform", slug="terraform")
    resource = ResourceFactory(
        title="Infrastructure notes", author=author, tags=list(Tag.objects.filter(slug="kubernetes"))
    )
    assert titles(api_client, q="kubernetes") == ["Infrastructure notes"]

    update_resource(UpdateResourceCommand(user=author, resource_id=resource.pk, tags=("terraform",)))

    assert titles(api_client, q="kubernetes") == []
    assert titles(api_client, q="terraform") == ["Infrastructure notes"]


def test_search_follows_a_renamed_tag_and_a_deleted_tag(api_client):
    tag = TagFactory(name="Golang", slug="go")
    ResourceFactory(title="Concurrency notes", tags=[tag])
    tag.name = "Gopher"
    tag.save()
    assert titles(api_client, q="gopher") == ["Concurrency notes"]
    assert titles(api_client, q="golang") == []
    tag.delete()
    assert titles(api_client, q="gopher") == []


def test_a_stale_instance_saved_later_does_not_erase_the_tag_names(api_client):
    stale = ResourceFactory(title="Stale notes")
    Resource.objects.get(pk=stale.pk).tags.set([TagFactory(name="Observability", slug="observability")])
    stale.title = "Stale notes, edited"
    stale.save()  # carries the search_tags it loaded before the tags changed
    stale.refresh_from_db()
    assert stale.search_tags == "Observability"
    assert titles(api_client, q="observability") == ["Stale notes, edited"]


def test_bulk_inserted_rows_are_searchable(api_client):
    tag = TagFactory(name="Vacuum", slug="vacuum")
    rows = Resource.objects.bulk_create(
        [Resource(title=f"Bulk {n}", author=UserFactory(), search_tags="forged") for n in range(3)]
    )
    Resource.tags.through.objects.bulk_create([Resource.tags.through(resource=row, tag=tag) for row in rows])
    assert sorted(titles(api_client, q="vacuum")) == ["Bulk 0", "Bulk 1", "Bulk 2"]
    assert titles(api_client, q="forged") == []
    assert json.dumps(sorted(Resource.objects.values_list("search_tags", flat=True))) == json.dumps(["Vacuum"] * 3)
