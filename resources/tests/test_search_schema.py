"""The search schema stays in place: triggers after every migration, the FTS5 query translation."""

import pytest
import yaml
from django.db import connection

from read_models.feed_search import fts5_expression

POSTGRES_TRIGGERS = {
    "resources_resource_search_tags",
    "resources_resource_tags_search_insert",
    "resources_resource_tags_search_delete",
    "core_tag_search_rename",
}
SQLITE_TRIGGERS = {
    "resources_resource_search_insert",
    "resources_resource_search_update",
    "resources_resource_search_delete",
    "resources_resource_tags_search_insert",
    "resources_resource_tags_search_delete",
    "core_tag_search_rename",
}


@pytest.mark.django_db
def test_search_triggers_survive_every_migration():
    """SQLite drops a table's triggers when a migration rebuilds it: that migration must re-create them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            expected = POSTGRES_TRIGGERS
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            expected = SQLITE_TRIGGERS
        names = {row[0] for row in cursor.fetchall()}
    assert expected <= names


@pytest.mark.parametrize(
    ("q", "expression"),
    [
        ("decorators", '(("decorators"))'),
        ("The Decorators", '(("decorators"))'),
        ('"row locks" python', '(("row locks" AND "python"))'),
        ("rust or go", '(("rust") OR ("go"))'),
        ("locks -table -row", '(("locks")) NOT "table" NOT "row"'),
        ("e-mail", '(("e mail"))'),
        ('NEAR(a b) title:x AND "', '(("near" AND "b" AND "title x"))'),
        ("' OR 1=1; --", '(("1 1"))'),
        ("Café naïve", '(("café" AND "naïve"))'),
    ],
)
def test_web_search_syntax_becomes_quoted_fts5_strings(q, expression):
    assert fts5_expression(q) == expression


@pytest.mark.parametrize("q", ["the of and", "🙂🔥", "-excluded", '""', "or", "-- ;", '"the"'])
def test_nothing_to_look_for_is_none(q):
    assert fts5_expression(q) is None


@pytest.mark.django_db
def test_openapi_documents_the_feed_search_parameters(api_client):
    schema = yaml.safe_load(api_client.get("/schema/").content)
    parameters = {p["name"]: p for p in schema["paths"]["/api/feed/"]["get"]["parameters"]}
    assert parameters["q"]["schema"]["maxLength"] == 200
    assert parameters["tag"]["schema"]["type"] == "array"
    assert parameters["author"]["schema"]["format"] == "uuid"
