"""The read-path bench's floor: what plain Python and PostgreSQL do for the same request, no Django.

A WSGI application served by the same gunicorn settings as ours. For each URL it knows it
replays the statements our app sent for that URL (captured by bench/read_path_capture.py:
the same SQL text, the same parameters, bound the same way), over one persistent psycopg
connection per worker process, and answers the same JSON body, shaped from the rows with
orjson. It parses nothing, checks nothing and logs nothing: the cost of our request minus
everything that is not the database round trips and the JSON.

READ_FLOOR_CAPTURES names the capture file, READ_FLOOR_DSN the database;
READ_FLOOR_SERVER_SIDE_BINDING=1 binds parameters server-side (and lets psycopg prepare
statements) as DATABASE_SERVER_SIDE_BINDING does for ours.
"""

import base64
import datetime
import json
import os
import uuid
from pathlib import Path
from urllib.parse import parse_qs

import orjson
import psycopg
from psycopg.rows import dict_row
from psycopg.types import numeric

# psycopg's sized integers (Django wraps some constants in them) keep their type on replay.
SIZED_INTEGERS = {cls.__name__: cls for cls in (numeric.Int2, numeric.Int4, numeric.Int8)}


def encode(value) -> list:
    """A parameter as JSON: [type, value], so that the replay binds the same type."""
    if value is None or isinstance(value, bool | float):
        return ["plain", value]
    if type(value).__name__ in SIZED_INTEGERS:
        return [type(value).__name__, int(value)]
    if isinstance(value, int):
        return ["plain", value]
    if isinstance(value, str):
        return ["plain", str.__str__(value)]  # an enum member (Visibility.PUBLIC) binds as its text
    if isinstance(value, uuid.UUID):
        return ["uuid", str(value)]
    if isinstance(value, datetime.datetime):
        return ["datetime", value.isoformat()]
    raise TypeError(f"no JSON form for a {type(value).__name__} parameter")


def decode(encoded: list):
    kind, value = encoded
    if kind == "plain":
        return value
    if kind in SIZED_INTEGERS:
        return SIZED_INTEGERS[kind](value)
    if kind == "uuid":
        return uuid.UUID(value)
    if kind == "datetime":
        return datetime.datetime.fromisoformat(value)
    raise ValueError(f"unknown parameter type {kind!r}")


def display_name(username, user_id) -> str:
    return username or f"user-{user_id.hex[:8]}"


def feed_body(results: list[list[dict]], query: dict) -> dict:
    rows, tag_rows = results
    page_size = int(query.get("page_size", ["20"])[0])
    tags: dict = {row["id"]: [] for row in rows[:page_size]}
    for tag in tag_rows:
        tags[tag["resource_id"]].append(tag["tag__name"])
    has_next = len(rows) > page_size
    next_cursor = None
    if has_next:
        last = rows[page_size - 1]
        keys = [last["created_at"].isoformat(), last["id"].hex, *([last["rank"]] if "rank" in last else [])]
        next_cursor = base64.urlsafe_b64encode(json.dumps(keys, separators=(",", ":")).encode()).decode().rstrip("=")
    items = [
        {
            "id": row["id"],
            "title": row["title"],
            "author_name": display_name(row["author_username"], row["author_id"]),
            "tags": tags[row["id"]],
            "visibility": row["visibility"],
            "created_at": row["created_at"],
            "stats": {"comment_count": row["comment_count"]},
        }
        for row in rows[:page_size]
    ]
    page = None if "cursor" in query else int(query.get("page", ["1"])[0])
    meta = {"page": page, "page_size": page_size, "has_next": has_next, "next_cursor": next_cursor}
    return {"status": "ok", "data": items, "meta": meta}


def detail_body(results: list[list[dict]], query: dict) -> dict:
    (row,), tag_rows, versions = results
    visible = row["visibility"] == "public"  # an anonymous viewer opens public files only

    def shown(version: dict):
        if not visible:
            return None
        if version["storage_key"]:
            return f"/api/resources/{row['id']}/versions/{version['version_number']}/download/"
        return version["file_url"]

    data = {
        "id": row["id"],
        "title": row["title"],
        "description": row["description"],
        "visibility": row["visibility"],
        "author": {"id": row["author_id"], "username": display_name(row["author_username"], row["author_id"])},
        "tags": [tag["tag__name"] for tag in tag_rows],
        "versions": [{"version_number": v["version_number"], "file_url": shown(v)} for v in versions],
        "stats": {"comment_count": row["comment_count"]},
    }
    return {"status": "ok", "data": data}


def author_body(results: list[list[dict]], query: dict) -> dict:
    (row,), recent = results
    data = {
        "id": row["id"],
        "username": display_name(row["profile_username"], row["id"]),
        "bio": row["profile_bio"] or "",
        "avatar_url": row["profile_avatar_url"],
        "stats": {"total_resources": row["total_resources"]},
        "recent_resources": recent,
    }
    return {"status": "ok", "data": data}


def comments_body(results: list[list[dict]], query: dict) -> dict:
    _exists, rows = results
    page, page_size = int(query.get("page", ["1"])[0]), int(query.get("page_size", ["20"])[0])
    items = []
    for row in rows[:page_size]:
        deleted = row["deleted_at"] is not None
        items.append(
            {
                "id": row["id"],
                "author_name": None if deleted else display_name(row["author_username"], row["author_id"]),
                "content": None if deleted else row["content"],
                "parent_id": row["parent_id"],
                "created_at": row["created_at"],
                "score": row["score"],
                "deleted": deleted,
            }
        )
    meta = {"page": page, "page_size": page_size, "has_next": len(rows) > page_size}
    return {"status": "ok", "data": items, "meta": meta}


BODIES = {"feed": feed_body, "detail": detail_body, "author": author_body, "comments": comments_body}


def load_routes(captures: dict, kinds: dict) -> dict:
    """{url: (body function, [(sql, params)], parsed query string)} for every captured URL."""
    routes = {}
    for url, captured in captures.items():
        queries = [(query["sql"], [decode(value) for value in query["params"]]) for query in captured["queries"]]
        routes[url] = (BODIES[kinds[url]], queries, parse_qs(url.partition("?")[2]))
    return routes


class Floor:
    """The WSGI application; `connect` opens the worker's one connection on its first request."""

    def __init__(self, routes: dict, connect):
        self.routes = routes
        self.connect = connect
        self.connection = None

    def __call__(self, environ, start_response):
        query_string = environ.get("QUERY_STRING", "")
        route = self.routes.get(environ["PATH_INFO"] + ("?" + query_string if query_string else ""))
        if route is None:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b'{"status":"error"}']
        body_of, queries, query = route
        if self.connection is None:
            self.connection = self.connect()
        with self.connection.cursor(row_factory=dict_row) as cursor:
            results = []
            for sql, params in queries:
                cursor.execute(sql, params)
                results.append(cursor.fetchall())
        body = orjson.dumps(body_of(results, query), option=orjson.OPT_UTC_Z)
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def connect_from_environment() -> psycopg.Connection:
    server_side = os.environ.get("READ_FLOOR_SERVER_SIDE_BINDING") == "1"
    return psycopg.connect(
        os.environ["READ_FLOOR_DSN"],
        autocommit=True,
        options="-c TimeZone=UTC",
        # As Django's backend: client-side binding and no prepared statements unless asked for.
        cursor_factory=psycopg.Cursor if server_side else psycopg.ClientCursor,
        prepare_threshold=5 if server_side else None,
    )


def application_from_environment() -> Floor:
    spec = json.loads(Path(os.environ["READ_FLOOR_CAPTURES"]).read_text())
    return Floor(load_routes(spec["captures"], spec["kinds"]), connect_from_environment)


if os.environ.get("READ_FLOOR_CAPTURES"):
    application = application_from_environment()
