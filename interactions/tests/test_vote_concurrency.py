import threading

import pytest
from django.db import connection

from application.dto.resources import VoteOnCommentCommand
from application.use_cases.vote_on_comment import vote_on_comment
from interactions.models import CommentVote
from interactions.tests.factories import CommentFactory
from users.tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_concurrent_votes_by_one_user_leave_one_row():
    comment = CommentFactory()
    voter = UserFactory()
    start = threading.Barrier(10)
    results, errors = [], []

    def vote(n: int) -> None:
        try:
            start.wait()
            value = 1 if n % 2 else -1
            results.append(vote_on_comment(VoteOnCommentCommand(user=voter, comment_id=comment.pk, vote_value=value)))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    rows = list(CommentVote.objects.filter(comment=comment, user=voter))
    assert len(rows) == 1
    assert {result.vote_id for result in results} == {rows[0].pk}
    assert rows[0].value in (1, -1)
