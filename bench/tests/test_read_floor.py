"""The read-path floor replays our captured SQL and answers exactly what our API answers."""

import io
import json

import pytest
from django.db import connection
from django.utils import timezone

from bench.read_floor import Floor, load_routes
from bench.read_path_capture import capture
from core.tests.factories import TagFactory
from interactions.tests.factories import CommentFactory, CommentVoteFactory
from resources.tests.factories import ResourceFactory, ResourceVersionFactory
from users.tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def urls() -> dict:
    author = UserFactory(username="ada")
    resource = ResourceFactory(author=author, tags=[TagFactory(name="Rust"), TagFactory(name="Go")])
    ResourceVersionFactory(resource=resource, version_number=1)
    ResourceVersionFactory(resource=resource, version_number=2)
    ResourceFactory.create_batch(3, author=UserFactory(), visibility="premium")  # no username: user-… handle
    parent = CommentFactory(resource=resource, deleted_at=timezone.now())  # a placeholder: its reply lives
    CommentVoteFactory(comment=CommentFactory(resource=resource, parent=parent), value=-1)
    return {
        "/api/feed/?page=1&page_size=2": "feed",
        "/api/feed/?q=resource&page_size=20": "feed",
        f"/api/resources/{resource.pk}/detail/": "detail",
        f"/api/authors/{author.pk}/": "author",
        f"/api/resources/{resource.pk}/comments/?page=1&page_size=20": "comments",
    }


def floor_body(floor: Floor, url: str):
    path, _, query = url.partition("?")
    environ = {"PATH_INFO": path, "QUERY_STRING": query, "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO()}
    statuses = []
    body = b"".join(floor(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["200 OK"]
    return json.loads(body)


def test_floor_answers_each_read_path_with_our_body(urls):
    captures = capture(list(urls))
    # The test's own connection: the floor sees the rows of this test's transaction.
    floor = Floor(load_routes(captures, urls), connect=lambda: connection.connection)

    for url, captured in captures.items():
        assert captured["status"] == 200
        assert captured["queries"], url
        assert floor_body(floor, url) == captured["body"], url
    assert any(
        item["author_name"].startswith("user-") for item in captures["/api/feed/?page=1&page_size=2"]["body"]["data"]
    )
    comments = captures[next(url for url, kind in urls.items() if kind == "comments")]["body"]["data"]
    assert [comment["deleted"] for comment in comments] == [True, False]
