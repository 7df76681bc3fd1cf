"""Writes racing a delete on PostgreSQL: 24 requests write while one deletes what they write to.

Each thread is one HTTP request on its own database connection. Whatever order the database
picks, nothing lands after the delete: every stored row predates it, every refused request
is a 404 that wrote nothing, and `comment.created` is emitted once per stored comment only.
"""

from dataclasses import dataclass, field
from functools import partial

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from core.models import OutboxEvent
from core.tests.at_once import at_once, raised
from interactions.models import Comment, CommentVote
from interactions.tests.factories import CommentFactory
from resources.models import Resource
from resources.tests.factories import ResourceFactory
from users.tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITERS = 24
ROUNDS = 6


@dataclass
class Outcome:
    writes: list[int] = field(default_factory=list)
    delete: list[int] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def _race(write_requests, delete_request) -> Outcome:
    """Run the writes and the delete from one barrier, each on its own thread and connection."""
    requests = [*write_requests, delete_request]
    statuses = at_once(len(requests), lambda index: requests[index]().status_code)
    outcome = Outcome(writes=statuses[:-1], delete=statuses[-1:], errors=raised(statuses))
    assert outcome.errors == []
    assert outcome.delete == [204]
    assert set(outcome.writes) <= {200, 201, 404, 400}
    return outcome


@pytest.fixture
def writers():
    return [(user, _client(user)) for user in (UserFactory() for _ in range(WRITERS))]


def _assert_comments_predate(deleted_at, comments, outcome: Outcome, refused_status: int, resource_id) -> None:
    assert all(comment.created_at < deleted_at for comment in comments)
    assert len(comments) == outcome.writes.count(201)
    assert outcome.writes.count(201) + outcome.writes.count(refused_status) == WRITERS
    # One event per stored comment, none for a refused write.
    events = OutboxEvent.objects.filter(event_type="comment.created", payload__resource_id=str(resource_id))
    assert sorted(events.values_list("aggregate_id", flat=True)) == sorted(str(c.pk) for c in comments)


def _posts(writers, path: str, bodies: list[dict]) -> list:
    return [partial(client.post, path, body, format="json") for (_, client), body in zip(writers, bodies, strict=True)]


def test_comments_racing_their_resource_delete_never_land_after_it(writers):
    for _ in range(ROUNDS):
        resource = ResourceFactory()
        outcome = _race(
            _posts(
                writers, f"/api/resources/{resource.pk}/comments/", [{"content": f"racing {n}"} for n in range(WRITERS)]
            ),
            partial(_client(resource.author).delete, f"/api/resources/{resource.pk}/"),
        )
        resource = Resource.all_objects.get(pk=resource.pk)
        _assert_comments_predate(resource.deleted_at, list(resource.comments.all()), outcome, 404, resource.pk)


def test_replies_racing_their_parent_delete_never_land_after_it(writers):
    for _ in range(ROUNDS):
        parent = CommentFactory()
        reply = {"parent_id": str(parent.pk)}
        outcome = _race(
            _posts(
                writers,
                f"/api/resources/{parent.resource_id}/comments/",
                [{**reply, "content": f"{n}"} for n in range(WRITERS)],
            ),
            partial(_client(parent.author).delete, f"/api/comments/{parent.pk}/"),
        )
        parent = Comment.all_objects.get(pk=parent.pk)
        # A reply refused because its parent is gone is a 400 naming parent_id.
        _assert_comments_predate(parent.deleted_at, list(parent.replies.all()), outcome, 400, parent.resource_id)


def test_votes_racing_their_comment_delete_never_land_after_it(writers):
    for _ in range(ROUNDS):
        comment = CommentFactory()
        vote = {"comment_id": str(comment.pk), "vote_value": 1}
        outcome = _race(
            _posts(writers, "/api/comments/vote/", [vote] * WRITERS),
            partial(_client(comment.author).delete, f"/api/comments/{comment.pk}/"),
        )
        comment = Comment.all_objects.get(pk=comment.pk)
        votes = list(CommentVote.objects.filter(comment=comment))
        assert all(vote.created_at < comment.deleted_at for vote in votes)
        assert len(votes) == outcome.writes.count(200)
        assert outcome.writes.count(200) + outcome.writes.count(404) == WRITERS


def test_votes_racing_their_resource_delete_never_land_after_it(writers):
    for _ in range(ROUNDS):
        comment = CommentFactory()
        vote = {"comment_id": str(comment.pk), "vote_value": -1}
        outcome = _race(
            _posts(writers, "/api/comments/vote/", [vote] * WRITERS),
            partial(_client(comment.resource.author).delete, f"/api/resources/{comment.resource_id}/"),
        )
        deleted_at = Resource.all_objects.get(pk=comment.resource_id).deleted_at
        votes = list(CommentVote.objects.filter(comment=comment))
        assert all(vote.created_at < deleted_at for vote in votes)
        assert len(votes) == outcome.writes.count(200)
        assert outcome.writes.count(200) + outcome.writes.count(404) == WRITERS
