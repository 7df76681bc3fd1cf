import pytest
from django.db import IntegrityError

from interactions.models import CommentVote
from interactions.tests.factories import CommentFactory, CommentVoteFactory
from resources.models import Visibility
from resources.tests.factories import ResourceFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VOTE = "/api/comments/vote/"


@pytest.fixture
def voter(api_client):
    user = UserFactory()
    api_client.force_authenticate(user)
    return user


def test_vote_is_recorded(api_client, voter):
    comment = CommentFactory()
    response = api_client.post(VOTE, {"comment_id": str(comment.pk), "vote_value": 1}, format="json")
    assert response.status_code == 200
    vote = CommentVote.objects.get()
    assert response.json()["data"] == {"vote_id": str(vote.pk), "value": 1}


def test_second_vote_changes_value_not_count(api_client, voter):
    comment = CommentFactory()
    first = api_client.post(VOTE, {"comment_id": str(comment.pk), "vote_value": 1}, format="json").json()["data"]
    second = api_client.post(VOTE, {"comment_id": str(comment.pk), "vote_value": -1}, format="json").json()["data"]
    assert second == {"vote_id": first["vote_id"], "value": -1}
    assert CommentVote.objects.count() == 1
    comments = api_client.get(f"/api/resources/{comment.resource_id}/comments/").json()["data"]
    assert comments[0]["score"] == -1


@pytest.mark.parametrize("value", [0, 2, -2, "up", None, True])
def test_only_plus_or_minus_one_is_accepted(api_client, voter, value):
    comment = CommentFactory()
    response = api_client.post(VOTE, {"comment_id": str(comment.pk), "vote_value": value}, format="json")
    assert response.status_code == 400 and "vote_value" in response.json()["error"]["details"]
    assert not CommentVote.objects.exists()


def test_the_database_refuses_other_vote_values():
    with pytest.raises(IntegrityError):
        CommentVoteFactory(value=5)


def test_the_database_refuses_a_second_row_for_one_user_and_comment():
    vote = CommentVoteFactory()
    with pytest.raises(IntegrityError):
        CommentVote.objects.create(user=vote.user, comment=vote.comment, value=-1)


def test_a_deleted_comment_cannot_be_voted_on(api_client, voter):
    comment = CommentFactory()
    comment.delete()
    response = api_client.post(VOTE, {"comment_id": str(comment.pk), "vote_value": 1}, format="json")
    assert response.status_code == 404
    assert not CommentVote.objects.exists()


def test_a_comment_on_someone_elses_private_resource_cannot_be_voted_on(api_client, voter):
    comment = CommentFactory(resource=ResourceFactory(visibility=Visibility.PRIVATE))
    response = api_client.post(VOTE, {"comment_id": str(comment.pk), "vote_value": 1}, format="json")
    assert response.status_code == 404


def test_anonymous_cannot_vote(api_client):
    comment = CommentFactory()
    response = api_client.post(VOTE, {"comment_id": str(comment.pk), "vote_value": 1}, format="json")
    assert response.status_code == 401
