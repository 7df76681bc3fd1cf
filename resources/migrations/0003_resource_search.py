"""Feed search: PostgreSQL's generated tsvector and GIN index, SQLite's FTS5 table, and the triggers.

The triggers derive `search_tags` (and on SQLite the FTS5 rows) from the resource and tag
tables on every write, whoever writes: services, the admin, bulk inserts, raw SQL.

SQLite drops a table's triggers when a migration rebuilds it (any AlterField on Resource):
`resources/tests/test_search_schema.py` fails until that migration re-runs `sqlite_forwards`.
"""

import django.contrib.postgres.search
import django.db.models.deletion
import resources.fulltext
from django.db import migrations, models

# --- PostgreSQL: search_tags derived by triggers; the generated column follows by itself.
POSTGRES_FORWARDS = [
    """
    CREATE FUNCTION resources_resource_tag_names(resource uuid) RETURNS text LANGUAGE sql STABLE AS $$
        SELECT coalesce(string_agg(t.name, ' ' ORDER BY t.name), '')
        FROM resources_resource_tags rt JOIN core_tag t ON t.id = rt.tag_id
        WHERE rt.resource_id = resource
    $$
    """,
    # Whatever a writer puts in search_tags (a stale instance's save, a bulk insert), the tags win.
    """
    CREATE FUNCTION resources_resource_derive_search_tags() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_tags := resources_resource_tag_names(NEW.id);
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER resources_resource_search_tags BEFORE INSERT OR UPDATE ON resources_resource
    FOR EACH ROW EXECUTE FUNCTION resources_resource_derive_search_tags()
    """,
    # Statement-level with transition tables: `tags.set()` and bulk inserts touch each resource once.
    """
    CREATE FUNCTION resources_resource_tags_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE resources_resource SET search_tags = resources_resource_tag_names(id)
        WHERE id IN (SELECT resource_id FROM changed_links);
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER resources_resource_tags_search_insert AFTER INSERT ON resources_resource_tags
    REFERENCING NEW TABLE AS changed_links FOR EACH STATEMENT EXECUTE FUNCTION resources_resource_tags_changed()
    """,
    """
    CREATE TRIGGER resources_resource_tags_search_delete AFTER DELETE ON resources_resource_tags
    REFERENCING OLD TABLE AS changed_links FOR EACH STATEMENT EXECUTE FUNCTION resources_resource_tags_changed()
    """,
    """
    CREATE FUNCTION core_tag_search_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE resources_resource SET search_tags = resources_resource_tag_names(id)
        WHERE id IN (
            SELECT rt.resource_id FROM resources_resource_tags rt
            JOIN renamed_new n ON n.id = rt.tag_id JOIN renamed_old o ON o.id = n.id
            WHERE n.name IS DISTINCT FROM o.name
        );
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER core_tag_search_rename AFTER UPDATE ON core_tag
    REFERENCING OLD TABLE AS renamed_old NEW TABLE AS renamed_new
    FOR EACH STATEMENT EXECUTE FUNCTION core_tag_search_renamed()
    """,
    "CREATE INDEX resource_search_idx ON resources_resource USING gin (search_vector)",
    "UPDATE resources_resource SET search_tags = resources_resource_tag_names(id)",
]
POSTGRES_BACKWARDS = [
    "DROP TRIGGER IF EXISTS core_tag_search_rename ON core_tag",
    "DROP TRIGGER IF EXISTS resources_resource_tags_search_delete ON resources_resource_tags",
    "DROP TRIGGER IF EXISTS resources_resource_tags_search_insert ON resources_resource_tags",
    "DROP TRIGGER IF EXISTS resources_resource_search_tags ON resources_resource",
    "DROP FUNCTION IF EXISTS core_tag_search_renamed()",
    "DROP FUNCTION IF EXISTS resources_resource_tags_changed()",
    "DROP FUNCTION IF EXISTS resources_resource_derive_search_tags()",
    "DROP FUNCTION IF EXISTS resources_resource_tag_names(uuid)",
    "DROP INDEX IF EXISTS resource_search_idx",
]


# --- SQLite: an FTS5 table keyed by a small integer map (FTS5 rows are found by rowid only).
def sqlite_tag_names(resource_id: str) -> str:
    return (
        "coalesce((SELECT group_concat(name, ' ') FROM (SELECT t.name FROM resources_resource_tags rt "
        f"JOIN core_tag t ON t.id = rt.tag_id WHERE rt.resource_id = {resource_id} ORDER BY t.name)), '')"
    )


SEARCH_ROWID = "(SELECT id FROM resources_resource_search_key WHERE resource_id = {})"
SQLITE_TABLES = [
    """
    CREATE VIRTUAL TABLE resources_resource_search USING fts5(
        resource_id UNINDEXED, title, tags, description, tokenize = 'porter unicode61 remove_diacritics 2'
    )
    """,
    "CREATE TABLE resources_resource_search_key (id integer NOT NULL PRIMARY KEY, resource_id char(32) NOT NULL UNIQUE)",
]
SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER resources_resource_search_insert AFTER INSERT ON resources_resource BEGIN
        INSERT INTO resources_resource_search_key (resource_id) VALUES (NEW.id);
        INSERT INTO resources_resource_search (rowid, resource_id, title, tags, description)
        VALUES ({SEARCH_ROWID.format("NEW.id")}, NEW.id, NEW.title, {sqlite_tag_names("NEW.id")}, NEW.description);
        UPDATE resources_resource SET search_tags = {sqlite_tag_names("NEW.id")}
        WHERE id = NEW.id AND search_tags IS NOT {sqlite_tag_names("NEW.id")};
    END
    """,
    # Whatever a writer puts in search_tags (a stale instance's save, a bulk insert), the tags win.
    f"""
    CREATE TRIGGER resources_resource_search_update AFTER UPDATE ON resources_resource BEGIN
        UPDATE resources_resource SET search_tags = {sqlite_tag_names("NEW.id")}
        WHERE id = NEW.id AND search_tags IS NOT {sqlite_tag_names("NEW.id")};
        UPDATE resources_resource_search
        SET title = NEW.title, tags = {sqlite_tag_names("NEW.id")}, description = NEW.description
        WHERE rowid = {SEARCH_ROWID.format("NEW.id")};
    END
    """,
    f"""
    CREATE TRIGGER resources_resource_search_delete AFTER DELETE ON resources_resource BEGIN
        DELETE FROM resources_resource_search WHERE rowid = {SEARCH_ROWID.format("OLD.id")};
        DELETE FROM resources_resource_search_key WHERE resource_id = OLD.id;
    END
    """,
    f"""
    CREATE TRIGGER resources_resource_tags_search_insert AFTER INSERT ON resources_resource_tags BEGIN
        UPDATE resources_resource SET search_tags = {sqlite_tag_names("NEW.resource_id")} WHERE id = NEW.resource_id;
    END
    """,
    f"""
    CREATE TRIGGER resources_resource_tags_search_delete AFTER DELETE ON resources_resource_tags BEGIN
        UPDATE resources_resource SET search_tags = {sqlite_tag_names("OLD.resource_id")} WHERE id = OLD.resource_id;
    END
    """,
    f"""
    CREATE TRIGGER core_tag_search_rename AFTER UPDATE OF name ON core_tag BEGIN
        UPDATE resources_resource SET search_tags = {sqlite_tag_names("resources_resource.id")}
        WHERE id IN (SELECT resource_id FROM resources_resource_tags WHERE tag_id = NEW.id);
    END
    """,
]
SQLITE_BACKFILL = [
    "INSERT INTO resources_resource_search_key (resource_id) SELECT id FROM resources_resource",
    f"""
    INSERT INTO resources_resource_search (rowid, resource_id, title, tags, description)
    SELECT k.id, r.id, r.title, {sqlite_tag_names("r.id")}, r.description
    FROM resources_resource r JOIN resources_resource_search_key k ON k.resource_id = r.id
    """,
    f"UPDATE resources_resource SET search_tags = {sqlite_tag_names('resources_resource.id')}",
]
SQLITE_TRIGGER_NAMES = [
    "resources_resource_search_insert",
    "resources_resource_search_update",
    "resources_resource_search_delete",
    "resources_resource_tags_search_insert",
    "resources_resource_tags_search_delete",
    "core_tag_search_rename",
]


def sqlite_create_triggers(schema_editor) -> None:
    """Also for a later migration that rebuilds resources_resource on SQLite (which drops its triggers)."""
    for statement in SQLITE_TRIGGERS:
        schema_editor.execute(statement)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = POSTGRES_FORWARDS
    elif vendor == "sqlite":
        statements = [*SQLITE_TABLES, *SQLITE_TRIGGERS, *SQLITE_BACKFILL]
    else:
        raise NotImplementedError(f"feed search has no schema for {vendor}")
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        statements = POSTGRES_BACKWARDS
    else:
        statements = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGER_NAMES] + [
            "DROP TABLE IF EXISTS resources_resource_search",
            "DROP TABLE IF EXISTS resources_resource_search_key",
        ]
    for statement in statements:
        schema_editor.execute(statement)



class Migration(migrations.Migration):

    dependencies = [
        ('resources', '0002_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='ResourceSearchEntry',
            fields=[
                ('resource', models.OneToOneField(db_column='resource_id', db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='search_entry', serialize=False, to='resources.resource')),
                ('title', models.TextField()),
                ('tags', models.TextField()),
                ('description', models.TextField()),
                ('document', resources.fulltext.FullTextTableField(db_column='resources_resource_search')),
            ],
            options={
                'db_table': 'resources_resource_search',
                'managed': False,
                'required_db_vendor': 'sqlite',
            },
        ),
        migrations.AddField(
            model_name='resource',
            name='search_tags',
            field=models.TextField(default='', editable=False),
        ),
        migrations.AddField(
            model_name='resource',
            name='search_vector',
            field=models.GeneratedField(db_persist=True, expression=resources.fulltext.PostgresOnly(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('title', config='english', weight='A'), '||', django.contrib.postgres.search.SearchVector('search_tags', config='english', weight='B'), django.contrib.postgres.search.SearchConfig('english')), '||', django.contrib.postgres.search.SearchVector('description', config='english', weight='C'), django.contrib.postgres.search.SearchConfig('english'))), output_field=django.contrib.postgres.search.SearchVectorField()),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
