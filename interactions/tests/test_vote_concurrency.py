import pytest

from application.dto.resources import VoteOnCommentCommand
from application.use_cases.vote_on_comment import vote_on_comment
from core.tests.at_once import at_once, raised
from interactions.models import CommentVote
from interactions.tests.factories import CommentFactory
from users.tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_concurrent_votes_by_one_user_leave_one_row():
    comment = CommentFactory()
    voter = UserFactory()

    def vote(n: int):
        value = 1 if n % 2 else -1
        return vote_on_comment(VoteOnCommentCommand(user=voter, comment_id=comment.pk, vote_value=value))

    results = at_once(10, vote)

    errors = raised(results)
    assert errors == []
    rows = list(CommentVote.objects.filter(comment=comment, user=voter))
    assert len(rows) == 1
    assert {result.vote_id for result in results} == {rows[0].pk}
    assert rows[0].value in (1, -1)
