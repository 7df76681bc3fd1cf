"""A comment's delete arriving while its resource is being deleted or hidden: the comment's
policy check runs on the resource row as the other write left it (PostgreSQL)."""

import pytest

from application.dto.resources import DeleteResourceCommand, UpdateResourceCommand
from application.use_cases.delete_resource import delete_resource
from application.use_cases.update_resource import update_resource
from audit.models import AuditLog
from core.tests.lock_races import second_arrives_during_first
from interactions.models import Comment
from interactions.tests.factories import CommentFactory
from resources.models import Visibility
from resources.tests.uploads import bearer_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _delete_comment_during(write_to_resource, comment):
    return second_arrives_during_first(
        write_to_resource, lambda: bearer_client(comment.author).delete(f"/api/comments/{comment.pk}/")
    )


def test_a_comment_delete_arriving_during_its_resources_delete_lands_nothing_after_it():
    comment = CommentFactory()
    resource = comment.resource

    response = _delete_comment_during(
        lambda: delete_resource(DeleteResourceCommand(user=resource.author, resource_id=resource.pk)), comment
    )

    assert response.status_code == 404
    assert Comment.all_objects.get(pk=comment.pk).deleted_at is None
    assert not AuditLog.objects.filter(object_id=str(comment.pk)).exists()


def test_a_comment_delete_arriving_as_its_resource_turns_private_is_refused_like_any_hidden_comment():
    comment = CommentFactory()
    resource = comment.resource

    response = _delete_comment_during(
        lambda: update_resource(
            UpdateResourceCommand(user=resource.author, resource_id=resource.pk, visibility=Visibility.PRIVATE)
        ),
        comment,
    )

    assert response.status_code == 404
    assert Comment.all_objects.get(pk=comment.pk).deleted_at is None
