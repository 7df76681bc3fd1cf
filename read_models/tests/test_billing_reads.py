"""The billing reads called directly: which subscription describes the plan, and the payments list."""

import datetime

import pytest
from django.utils import timezone

from monetization.models import Payment, Subscription
from monetization.tests.factories import PaymentFactory, SubscriptionFactory
from read_models.billing import get_subscription, list_payments
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def test_a_user_who_never_subscribed_is_on_the_free_plan(django_assert_num_queries):
    user = UserFactory()
    with django_assert_num_queries(1):
        summary = get_subscription(user=user)
    assert (summary.plan, summary.status, summary.has_premium, summary.access_until) == ("FREE", None, False, None)


def test_the_row_granting_premium_wins_over_a_newer_one_that_does_not():
    user = UserFactory()
    granting = SubscriptionFactory(user=user)
    SubscriptionFactory(user=user, status=Subscription.Status.INCOMPLETE, paid_through=None)
    summary = get_subscription(user=user)
    assert summary.has_premium and summary.status == "ACTIVE"
    assert summary.access_until > granting.paid_through  # the renewal grace on top of the paid period


def test_without_premium_the_newest_row_describes_the_plan():
    user = UserFactory()
    now = timezone.now()
    SubscriptionFactory(user=user, status=Subscription.Status.EXPIRED, paid_through=now - 30 * DAY)
    SubscriptionFactory(user=user, status=Subscription.Status.CANCELED, paid_through=now - DAY, ended_at=now - DAY)
    summary = get_subscription(user=user)
    assert summary.status == "CANCELED" and not summary.has_premium


def test_payments_are_the_users_own_newest_first_by_page():
    user = UserFactory()
    mine = [PaymentFactory(user=user, amount_cents=100 * n) for n in range(1, 4)]
    Payment.objects.filter(pk=mine[0].pk).update(created_at=timezone.now() + DAY)
    PaymentFactory()  # someone else's
    first = list_payments(user=user, page=1, page_size=2)
    second = list_payments(user=user, page=2, page_size=2)
    assert [p.amount_cents for p in first.items + second.items] == [100, 300, 200]
    assert (first.meta.has_next, second.meta.has_next) == (True, False)
    assert first.items[0].id == str(mine[0].pk)
