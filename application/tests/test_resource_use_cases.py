"""The resource and comment use cases called with commands: each policy refusal, and what it leaves."""

import pytest
from django.contrib.auth.models import AnonymousUser

from application.dto.resources import (
    AccessResourceCommand,
    CreateCommentCommand,
    DeleteCommentCommand,
    IssueDownloadLinkCommand,
    UpdateResourceCommand,
    VoteOnCommentCommand,
)
from application.exceptions import AccessDenied, NotFound, PermissionDenied, ValidationFailed
from application.use_cases.access_resource import access_resource
from application.use_cases.create_comment import create_comment
from application.use_cases.delete_comment import delete_comment
from application.use_cases.issue_download_link import issue_download_link
from application.use_cases.update_resource import update_resource
from application.use_cases.vote_on_comment import vote_on_comment
from interactions.models import Comment, CommentVote
from interactions.tests.factories import CommentFactory
from monetization.tests.factories import SubscriptionFactory
from resources.models import Resource
from resources.tests.factories import ResourceFactory, ResourceVersionFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_only_the_author_updates_a_resource_and_a_hidden_one_is_not_found():
    resource = ResourceFactory(title="Before")
    with pytest.raises(PermissionDenied):
        update_resource(UpdateResourceCommand(user=UserFactory(), resource_id=resource.pk, title="After"))
    private = ResourceFactory(visibility="private")
    with pytest.raises(NotFound):
        update_resource(UpdateResourceCommand(user=UserFactory(), resource_id=private.pk, title="After"))
    assert Resource.objects.get(pk=resource.pk).title == "Before"


def test_an_author_update_with_an_unknown_tag_changes_nothing():
    resource = ResourceFactory(title="Before")
    with pytest.raises(ValidationFailed):
        update_resource(
            UpdateResourceCommand(user=resource.author, resource_id=resource.pk, title="After", tags=("nope",))
        )
    assert Resource.objects.get(pk=resource.pk).title == "Before"


@pytest.mark.parametrize(
    ("visibility", "viewer", "outcome"),
    [
        ("public", "anonymous", "opened"),
        ("premium", "anonymous", AccessDenied),
        ("premium", "free", AccessDenied),
        ("premium", "subscriber", "opened"),
        ("premium", "author", "opened"),
        ("private", "subscriber", NotFound),
        ("private", "author", "opened"),
    ],
)
@pytest.mark.parametrize("open_file", ["access", "download link"])
def test_who_opens_a_resources_file(visibility, viewer, outcome, open_file):
    version = ResourceVersionFactory(resource=ResourceFactory(visibility=visibility))
    users = {
        "anonymous": AnonymousUser(),
        "free": UserFactory(),
        "subscriber": SubscriptionFactory().user,
        "author": version.resource.author,
    }
    command, use_case = {
        "access": (AccessResourceCommand(user=users[viewer], resource_id=version.resource_id), access_resource),
        "download link": (
            IssueDownloadLinkCommand(user=users[viewer], resource_id=version.resource_id),
            issue_download_link,
        ),
    }[open_file]
    if outcome == "opened":
        opened = use_case(command)
        assert opened.file_url == version.file_url if open_file == "access" else opened.url
    else:
        with pytest.raises(outcome):
            use_case(command)


def test_a_resource_without_a_file_has_nothing_to_open():
    resource = ResourceFactory()
    with pytest.raises(NotFound, match="no file"):
        access_resource(AccessResourceCommand(user=resource.author, resource_id=resource.pk))


def test_nobody_comments_on_what_they_cannot_see():
    private = ResourceFactory(visibility="private")
    for user in (UserFactory(), AnonymousUser()):
        with pytest.raises(NotFound):
            create_comment(CreateCommentCommand(user=user, resource_id=private.pk, content="hi"))
    assert not Comment.all_objects.exists()


def test_a_reply_to_a_comment_of_another_resource_is_refused():
    foreign = CommentFactory()
    resource = ResourceFactory()
    with pytest.raises(ValidationFailed) as refused:
        create_comment(
            CreateCommentCommand(user=UserFactory(), resource_id=resource.pk, content="hi", parent_id=foreign.pk)
        )
    assert "parent_id" in refused.value.details
    assert not Comment.objects.filter(resource=resource).exists()


def test_only_the_author_deletes_a_comment_and_a_deleted_one_is_not_found():
    comment = CommentFactory()
    with pytest.raises(PermissionDenied):
        delete_comment(DeleteCommentCommand(user=UserFactory(), comment_id=comment.pk))
    delete_comment(DeleteCommentCommand(user=comment.author, comment_id=comment.pk))
    with pytest.raises(NotFound):
        delete_comment(DeleteCommentCommand(user=comment.author, comment_id=comment.pk))


def test_votes_on_deleted_or_hidden_comments_are_not_found_and_a_second_vote_replaces_the_first():
    voter = UserFactory()
    deleted = CommentFactory()
    deleted.delete()
    hidden = CommentFactory(resource=ResourceFactory(visibility="private"))
    for comment in (deleted, hidden):
        with pytest.raises(NotFound):
            vote_on_comment(VoteOnCommentCommand(user=voter, comment_id=comment.pk, vote_value=1))
    live = CommentFactory()
    vote_on_comment(VoteOnCommentCommand(user=voter, comment_id=live.pk, vote_value=1))
    recorded = vote_on_comment(VoteOnCommentCommand(user=voter, comment_id=live.pk, vote_value=-1))
    assert recorded.value == -1
    assert list(CommentVote.objects.values_list("comment_id", "value")) == [(live.pk, -1)]
