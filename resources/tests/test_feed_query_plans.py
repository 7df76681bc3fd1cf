"""PostgreSQL query plans of the feed over 50,000 resources: filters and search use indexes.

The rows go in with a few INSERT ... SELECT statements, tag links first (foreign keys are
deferred), so the insert trigger fills search_tags and the generated vector in one pass;
ANALYZE gives the planner real statistics. One test walks every case over one dataset.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from read_models.feed import list_feed
from users.tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

RESOURCES = 50_000
AUTHORS = 50
TAGS = 20  # every resource has tag n % 20 ("common" ones: 2,500 each); 1 in 1,000 also has "rare"


@pytest.fixture
def large_feed():
    authors = [str(UserFactory().pk) for _ in range(AUTHORS)]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_tag (id, created_at, updated_at, name, slug) "
            "SELECT gen_random_uuid(), now(), now(), 'Topic ' || n, 'topic-' || n FROM generate_series(0, %s) n "
            "UNION ALL SELECT gen_random_uuid(), now(), now(), 'Rare', 'rare'",
            [TAGS - 1],
        )
        # Resource n has id md5('resource n'), tag topic-(n % 20), and "rare" when n % 1000 = 7.
        cursor.execute(
            "INSERT INTO resources_resource_tags (resource_id, tag_id) "
            "SELECT md5('resource ' || n)::uuid, t.id FROM generate_series(1, %s) n "
            "JOIN core_tag t ON t.slug = 'topic-' || (n %% %s) OR (t.slug = 'rare' AND n %% 1000 = 7)",
            [RESOURCES, TAGS],
        )
        cursor.execute(
            "INSERT INTO resources_resource "
            "(id, created_at, updated_at, title, description, visibility, author_id, search_tags) "
            "SELECT md5('resource ' || n)::uuid, now() - n * interval '1 minute', now(), "
            "'Resource ' || n || CASE WHEN n %% 1000 = 1 THEN ' zeppelin' ELSE ' notes' END, "
            "'Worked examples and exercises.', "
            "CASE WHEN n %% 10 = 0 THEN 'private' WHEN n %% 3 = 0 THEN 'premium' ELSE 'public' END, "
            "(%s::uuid[])[n %% %s + 1], '' FROM generate_series(1, %s) n",
            [authors, AUTHORS, RESOURCES],
        )
        cursor.execute("ANALYZE resources_resource, resources_resource_tags, core_tag")
    return {"author": authors[3]}


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def sequential_scans(plan: dict) -> list[str]:
    return [node.get("Relation Name") for node in nodes(plan) if node["Node Type"] == "Seq Scan"]


def indexes_used(plan: dict) -> set[str]:
    return {node["Index Name"] for node in nodes(plan) if "Index Name" in node}


def page_query_plan(**feed_arguments) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as queries:
        page = list_feed(page_size=20, **feed_arguments)
    page_sql = queries.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + page_sql)
        (plan,) = cursor.fetchone()
    plan = plan if isinstance(plan, list) else json.loads(plan)
    return plan[0]["Plan"], len(page.items)


FILTERS = {
    "common tag": {"tags": ("topic-4",)},
    "rare tag": {"tags": ("rare",)},
    "two tags": {"tags": ("topic-7", "rare")},
    "author": {"author_id": "AUTHOR"},
    "author and tag": {"author_id": "AUTHOR", "tags": ("topic-3",)},
    "rare word and tag": {"q": "zeppelin", "tags": ("topic-1",)},
    "common word and rare tag": {"q": "notes", "tags": ("rare",)},
    "no filter": {},
}


def test_feed_filters_never_scan_the_resources_table(large_feed):
    problems = []
    for name, arguments in FILTERS.items():
        if arguments.get("author_id") == "AUTHOR":
            arguments = {**arguments, "author_id": large_feed["author"]}
        plan, items = page_query_plan(**arguments)
        if not items:
            problems.append(f"{name}: empty page, the plan proves nothing")
        if "resources_resource" in sequential_scans(plan):
            problems.append(f"{name}: sequential scan of resources_resource\n{json.dumps(plan, indent=1)}")
    # A word in 1 resource of 1,000 is found through the GIN index, not by reading every row.
    plan, items = page_query_plan(q="zeppelin")
    if not items or "resource_search_idx" not in indexes_used(plan):
        problems.append(f"rare word: {items} items, indexes {sorted(indexes_used(plan))}")
    assert not problems, "\n".join(problems)
