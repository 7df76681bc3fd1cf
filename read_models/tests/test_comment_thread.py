"""The comment thread keeps every deleted comment that has a live descendant at any depth, so
every shown comment's parent is shown; a property test builds random trees to check it."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interactions.models import Comment
from interactions.tests.factories import CommentFactory
from read_models.comments import get_comment, list_comments
from resources.tests.factories import ResourceFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _shown(resource) -> list:
    page = list_comments(resource_id=resource.pk, viewer=AnonymousUser(), page_size=100)
    assert not page.meta.has_next
    return page.items


def test_a_deleted_reply_with_live_replies_keeps_its_deleted_parent_shown():
    resource = ResourceFactory()
    top = CommentFactory(resource=resource)
    middle = CommentFactory(resource=resource, parent=top)
    leaf = CommentFactory(resource=resource, parent=middle)
    top.delete()
    middle.delete()
    shown = {item.id: item for item in _shown(resource)}
    assert set(shown) == {top.pk, middle.pk, leaf.pk}
    assert shown[top.pk].deleted and shown[middle.pk].deleted and not shown[leaf.pk].deleted


def test_a_deep_deleted_chain_above_one_live_comment_is_shown_whole():
    resource = ResourceFactory()
    author = UserFactory()
    chain = [CommentFactory(resource=resource, author=author)]
    for _ in range(60):
        chain.append(CommentFactory(resource=resource, author=author, parent=chain[-1]))
    Comment.objects.filter(pk__in=[c.pk for c in chain[:-1]]).update(deleted_at=timezone.now())
    assert [item.id for item in _shown(resource)] == [c.pk for c in chain]


def test_a_whole_deleted_subtree_disappears():
    resource = ResourceFactory()
    top = CommentFactory(resource=resource)
    reply = CommentFactory(resource=resource, parent=top)
    kept = CommentFactory(resource=resource)
    top.delete()
    reply.delete()
    assert [item.id for item in _shown(resource)] == [kept.pk]


def test_get_comment_shows_a_deleted_ancestor_as_the_thread_does():
    resource = ResourceFactory()
    top = CommentFactory(resource=resource)
    middle = CommentFactory(resource=resource, parent=top)
    CommentFactory(resource=resource, parent=middle)
    top.delete()
    middle.delete()
    assert get_comment(comment_id=top.pk).deleted is True
    CommentFactory(resource=ResourceFactory(), parent=None)  # another resource changes nothing
    assert get_comment(comment_id=middle.pk) is not None


@st.composite
def comment_forests(draw):
    """(parent index or None for each comment, deleted flag for each comment)."""
    size = draw(st.integers(min_value=1, max_value=25))
    parents = [None] + [draw(st.none() | st.integers(min_value=0, max_value=i - 1)) for i in range(1, size)]
    deleted = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    return parents, deleted


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(forest=comment_forests())
def test_every_shown_comment_has_its_parent_shown_and_nothing_else_deleted_is(forest):
    parents, deleted = forest
    resource = ResourceFactory()
    author = UserFactory()
    comments = []
    for parent_index in parents:
        parent = comments[parent_index] if parent_index is not None else None
        comments.append(CommentFactory(resource=resource, author=author, parent=parent))
    now = timezone.now()
    Comment.objects.filter(pk__in=[c.pk for c, gone in zip(comments, deleted, strict=True) if gone]).update(
        deleted_at=now
    )

    def has_live_descendant(index: int) -> bool:
        children = [child for child, parent in enumerate(parents) if parent == index]
        return any(not deleted[child] or has_live_descendant(child) for child in children)

    expected = {comments[i].pk for i in range(len(comments)) if not deleted[i] or has_live_descendant(i)}
    items = _shown(resource)
    shown = {item.id for item in items}
    assert shown == expected
    assert all(item.parent_id is None or item.parent_id in shown for item in items)
    assert all(item.deleted == deleted[[c.pk for c in comments].index(item.id)] for item in items)
