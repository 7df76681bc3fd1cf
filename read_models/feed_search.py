"""Full-text matching and ranking for the feed: one interface, one implementation per database.

PostgreSQL matches the stored `search_vector` (GIN index) with `websearch_to_tsquery` and
ranks with `ts_rank_cd` (cover density; weights A title, B tag names, C description). SQLite
matches its FTS5 table and ranks with `bm25` weighted the same way. Both annotate `rank`,
higher meaning more relevant. SQLite reads the same query syntax (words, "phrases", `or`,
`-word`), translated below; its stop words are PostgreSQL's English list, so a `q` of stop
words alone matches nothing on both.
"""

import re
from typing import Protocol

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, FloatField, Func, QuerySet, Value
from django.db.models.functions import Cast


class FullText(Protocol):
    # Appended to a derived table so that the database computes it once, not inlined per use.
    fence: str

    def matching(self, queryset: QuerySet, q: str) -> QuerySet:
        """The rows of `queryset` that match `q`, annotated with `rank`."""

    def ranked(self, queryset: QuerySet, q: str) -> QuerySet:
        """`queryset` (rows known to match `q`) annotated with the same `rank`."""


class PostgresFullText:
    fence = "OFFSET 0"

    @staticmethod
    def _query(q: str) -> SearchQuery:
        return SearchQuery(q, search_type="websearch", config=settings.SEARCH_TEXT_CONFIG)

    def matching(self, queryset: QuerySet, q: str) -> QuerySet:
        query = self._query(q)
        return queryset.filter(search_vector=query).annotate(rank=self._rank(query))

    def ranked(self, queryset: QuerySet, q: str) -> QuerySet:
        return queryset.annotate(rank=self._rank(self._query(q)))

    @staticmethod
    def _rank(query: SearchQuery) -> Cast:
        # ts_rank_cd is a real; as double precision the cursor carries it exactly (a real prints
        # rounded, and the rounded value would no longer equal itself in the keyset comparison).
        return Cast(SearchRank(F("search_vector"), query, cover_density=True), FloatField())


# bm25 weights per FTS5 column: resource_id (not indexed), title, tags, description.
SQLITE_COLUMN_WEIGHTS = (0.0, 10.0, 4.0, 1.0)


class SqliteFullText:
    fence = "LIMIT -1 OFFSET 0"

    def matching(self, queryset: QuerySet, q: str) -> QuerySet:
        expression = fts5_expression(q)
        if expression is None:
            return queryset.annotate(rank=Value(0.0)).none()
        bm25 = Func(
            F("search_entry__document"),
            *(Value(weight) for weight in SQLITE_COLUMN_WEIGHTS),
            function="bm25",
            output_field=FloatField(),
        )
        # bm25 is lower for better matches; negated so that both databases sort rank descending.
        return queryset.filter(search_entry__document__match=expression).annotate(rank=bm25 * Value(-1.0))

    # bm25 exists only where the FTS5 table is matched in the same query.
    ranked = matching


def full_text() -> FullText:
    return PostgresFullText() if connection.vendor == "postgresql" else SqliteFullText()


# PostgreSQL's english.stop (the Snowball list), so that SQLite ignores the words PostgreSQL does.
ENGLISH_STOP_WORDS_TEXT = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
    her hers herself it its itself they them their theirs themselves what which who whom this that
    these those am is are was were be been being have has had having do does did doing a an the and
    but if or because as until while of at by for with about against between into through during
    before after above below to from up down in out on off over under again further then once here
    there when where why how all any both each few more most other some such no nor not only own same
    so than too very s t can will just don should now"""
ENGLISH_STOP_WORDS = frozenset(ENGLISH_STOP_WORDS_TEXT.split())
TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
WORD = re.compile(r"[^\W_]+")


def fts5_expression(q: str) -> str | None:
    """websearch syntax as an FTS5 query of quoted strings only (no FTS5 operator survives from `q`).

    Words are ANDed, "quoted text" is a phrase, `or` separates alternatives, `-word` excludes.
    None when nothing is left to look for (only stop words, punctuation, or exclusions).
    """
    alternatives: list[list[str]] = [[]]
    excluded: list[str] = []
    for match in TOKEN.finditer(q):
        negated, phrase, bare = match.groups()
        if bare is not None:
            if bare.lower() == "or" and alternatives[-1]:
                alternatives.append([])
                continue
            negated, text = ("-", bare[1:]) if bare.startswith("-") else ("", bare)
            words = [word for word in WORD.findall(text.lower()) if word not in ENGLISH_STOP_WORDS]
        else:
            words = WORD.findall(phrase.lower())
            if all(word in ENGLISH_STOP_WORDS for word in words):
                words = []
        if words:
            (excluded if negated else alternatives[-1]).append('"' + " ".join(words) + '"')
    groups = [" AND ".join(terms) for terms in alternatives if terms]
    if not groups:
        return None
    expression = " OR ".join(f"({group})" for group in groups)
    return "".join([f"({expression})", *(f" NOT {term}" for term in excluded)])
