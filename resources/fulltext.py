"""Schema pieces of the feed's full-text search, one per database.

PostgreSQL: `Resource.search_vector`, a stored generated tsvector over the title (weight A),
the tag names (B) and the description (C). A generated column may read only its own row, so
the tag names are copied into `Resource.search_tags` by database triggers (migration
`0003_resource_search`), never by application code that could forget a path.

SQLite: the FTS5 table `resources_resource_search`, kept in step by triggers from the same
migration; `ResourceSearchEntry` (in models) maps it for queries only.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models import Lookup


class PostgresOnly(models.Func):
    """The wrapped expression on PostgreSQL; NULL elsewhere (SQLite searches through FTS5)."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra_context):
        return "NULL", []


def resource_search_vector(config: str | None = None) -> PostgresOnly:
    """Title above tag names above description; an explicit config keeps the expression immutable."""
    config = config or settings.SEARCH_TEXT_CONFIG
    return PostgresOnly(
        SearchVector("title", weight="A", config=config)
        + SearchVector("search_tags", weight="B", config=config)
        + SearchVector("description", weight="C", config=config)
    )


class FullTextTableField(models.TextField):
    """An FTS5 table's hidden column named after the table: MATCH and bm25() take it."""


@FullTextTableField.register_lookup
class FullTextMatch(Lookup):
    lookup_name = "match"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]
