import pytest

from analytics.models import UserEvent
from core.models import OutboxEvent
from core.outbox import process_outbox
from interactions.models import Comment
from interactions.tests.factories import CommentFactory, CommentVoteFactory
from resources.tests.factories import ResourceFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def comments_url(resource) -> str:
    return f"/api/resources/{resource.pk}/comments/"


@pytest.mark.parametrize("count", [1, 20, 60])
def test_listing_comments_costs_two_queries(api_client, django_assert_num_queries, count):
    resource = ResourceFactory()
    comments = CommentFactory.create_batch(count, resource=resource, author=UserFactory(username="ann"))
    for comment in comments[:5]:
        CommentVoteFactory(comment=comment)
        CommentFactory(resource=resource, parent=comment)
    with django_assert_num_queries(2):
        response = api_client.get(comments_url(resource), {"page_size": 100})
    assert len(response.json()["data"]) == count + min(count, 5)


def test_comment_has_the_contract_fields_and_score(api_client):
    resource = ResourceFactory()
    comment = CommentFactory(resource=resource, author=UserFactory(username="ann"), content="Nice.")
    CommentVoteFactory.create_batch(3, comment=comment, value=1)
    CommentVoteFactory(comment=comment, value=-1)
    body = api_client.get(comments_url(resource)).json()
    assert body["data"] == [
        {
            "id": str(comment.pk),
            "author_name": "ann",
            "content": "Nice.",
            "parent_id": None,
            "created_at": comment.created_at.isoformat().replace("+00:00", "Z"),
            "score": 2,
            "deleted": False,
        }
    ]
    assert body["meta"] == {"page": 1, "page_size": 20, "has_next": False}


def test_deleted_comment_with_replies_stays_as_a_placeholder(api_client):
    resource = ResourceFactory()
    parent = CommentFactory(resource=resource, content="secret words")
    reply = CommentFactory(resource=resource, parent=parent)
    lonely = CommentFactory(resource=resource)
    parent.delete()
    lonely.delete()
    body = api_client.get(comments_url(resource))
    items = body.json()["data"]
    assert [item["id"] for item in items] == [str(parent.pk), str(reply.pk)]
    assert items[0]["content"] is None and items[0]["deleted"] is True and items[0]["author_name"] is None
    assert items[1]["parent_id"] == str(parent.pk) and items[1]["deleted"] is False
    assert "secret words" not in body.content.decode()


def test_comments_are_paginated_oldest_first(api_client):
    resource = ResourceFactory()
    made = CommentFactory.create_batch(5, resource=resource)
    page2 = api_client.get(comments_url(resource), {"page": 2, "page_size": 2}).json()
    assert [item["id"] for item in page2["data"]] == [str(c.pk) for c in made[2:4]]
    assert page2["meta"]["has_next"] is True


def test_posting_a_comment_and_a_reply(api_client):
    resource = ResourceFactory()
    user = UserFactory(username="bob")
    api_client.force_authenticate(user)
    first = api_client.post(comments_url(resource), {"content": "Question?"}, format="json")
    assert first.status_code == 201
    assert first.json()["data"]["author_name"] == "bob" and first.json()["data"]["score"] == 0
    reply = api_client.post(
        comments_url(resource), {"content": "Answer.", "parent_id": first.json()["data"]["id"]}, format="json"
    )
    assert reply.status_code == 201 and reply.json()["data"]["parent_id"] == first.json()["data"]["id"]
    assert OutboxEvent.objects.filter(event_type="comment.created").count() == 2


def test_comment_created_event_is_recorded_once_for_analytics(api_client):
    api_client.force_authenticate(UserFactory())
    api_client.post(comments_url(ResourceFactory()), {"content": "Hi"}, format="json")
    assert process_outbox(limit=10) == 1
    event = OutboxEvent.objects.get(event_type="comment.created")
    assert event.status == OutboxEvent.Status.COMPLETED
    OutboxEvent.objects.filter(pk=event.pk).update(status=OutboxEvent.Status.PENDING)  # a redelivery
    process_outbox(limit=10)
    assert UserEvent.objects.filter(event_type="comment.created").count() == 1


def test_a_parent_from_another_resource_is_refused(api_client):
    resource = ResourceFactory()
    foreign = CommentFactory(resource=ResourceFactory())
    api_client.force_authenticate(UserFactory())
    response = api_client.post(comments_url(resource), {"content": "Hi", "parent_id": str(foreign.pk)}, format="json")
    assert response.status_code == 400
    assert "parent_id" in response.json()["error"]["details"]
    assert not Comment.objects.filter(resource=resource).exists()


def test_empty_comment_is_refused(api_client):
    api_client.force_authenticate(UserFactory())
    response = api_client.post(comments_url(ResourceFactory()), {"content": ""}, format="json")
    assert response.status_code == 400 and "content" in response.json()["error"]["details"]


def test_anonymous_cannot_comment(api_client):
    assert api_client.post(comments_url(ResourceFactory()), {"content": "Hi"}, format="json").status_code == 401


def test_author_deletes_their_comment(api_client):
    comment = CommentFactory()
    api_client.force_authenticate(comment.author)
    assert api_client.delete(f"/api/comments/{comment.pk}/").status_code == 204
    assert Comment.all_objects.get(pk=comment.pk).is_deleted
    assert api_client.get(comments_url(comment.resource)).json()["data"] == []
    assert api_client.delete(f"/api/comments/{comment.pk}/").status_code == 404


def test_others_cannot_delete_a_comment(api_client):
    comment = CommentFactory()
    api_client.force_authenticate(UserFactory())
    response = api_client.delete(f"/api/comments/{comment.pk}/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert not Comment.all_objects.get(pk=comment.pk).is_deleted
