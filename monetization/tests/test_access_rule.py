"""The access rule's two readings agree: `access_until` in Python and `premium_filter` in SQL."""

import datetime
import itertools

import pytest
from django.utils import timezone

from monetization.access import (
    COVERAGE_BY_STATUS,
    access_until,
    grants_premium,
    premium_filter,
    unpaid_trial_filter,
)
from monetization.models import Subscription
from monetization.summaries import summarize
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)
NOW = timezone.now().replace(microsecond=0)
# Around every edge the rule has: the paid end, the grace (72 h), trial_end and ended_at.
MOMENTS = [None, NOW - 100 * HOUR, NOW - 71 * HOUR, NOW - 73 * HOUR, NOW - HOUR, NOW + HOUR, NOW + 500 * HOUR]


def every_combination() -> list[Subscription]:
    user = UserFactory()
    rows = []
    combinations = itertools.product(
        Subscription.Plan.values,
        Subscription.Status.values,
        (False, True),  # cancel_at_period_end
        (False, True),  # paid_period_revoked
        MOMENTS,  # paid_through
        MOMENTS[::3],  # trial_end
        MOMENTS[::2],  # ended_at
    )
    for plan, status, cancel, revoked, paid_through, trial_end, ended_at in combinations:
        if plan == Subscription.Plan.FREE and (cancel or revoked):
            continue  # FREE grants nothing whatever its fields: a sample is enough
        rows.append(
            Subscription(
                user=user,
                plan=plan,
                status=status,
                started_at=NOW - 1000 * HOUR,
                cancel_at_period_end=cancel,
                paid_period_revoked=revoked,
                paid_through=paid_through,
                trial_end=trial_end,
                ended_at=ended_at,
            )
        )
    return Subscription.objects.bulk_create(rows, batch_size=500)


def test_every_status_has_a_coverage():
    assert set(COVERAGE_BY_STATUS) == set(Subscription.Status.values)


def test_python_and_sql_grant_premium_to_the_same_rows_at_every_clock_point():
    rows = every_combination()
    assert len(rows) > 3000
    for now in (NOW, NOW - 2 * HOUR, NOW + 2 * HOUR, NOW + 80 * HOUR):
        in_sql = set(Subscription.objects.filter(premium_filter(now)).values_list("pk", flat=True))
        in_python = {row.pk for row in rows if grants_premium(row, now)}
        assert in_sql == in_python, f"at {now}: {len(in_sql ^ in_python)} rows disagree"
        assert in_python, "the grid must hold rows that grant premium"


def test_no_access_for_a_revoked_paid_period_or_a_status_without_coverage():
    row = Subscription(plan="PREMIUM", status="ACTIVE", paid_through=NOW + 500 * HOUR, paid_period_revoked=True)
    assert access_until(row) is None
    for status in ("UNPAID", "INCOMPLETE", "INCOMPLETE_EXPIRED", "PAUSED", "EXPIRED"):
        assert access_until(Subscription(plan="PREMIUM", status=status, paid_through=NOW + 500 * HOUR)) is None


def test_the_plan_summary_reads_the_same_rule():
    rows = every_combination()
    for now in (NOW, NOW + 80 * HOUR):
        for row in rows:
            summary = summarize(row, now)
            assert (summary.access_until, summary.has_premium) == (access_until(row), grants_premium(row, now))


def test_the_unpaid_trial_part_of_the_rule_is_exactly_the_trials_that_rest_on_no_payment():
    rows = every_combination()
    granted = Subscription.objects.granting_premium(NOW)
    unpaid_trials = set(granted.filter(unpaid_trial_filter(NOW)).values_list("pk", flat=True))
    expected = {
        row.pk
        for row in rows
        if row.status == Subscription.Status.TRIALING and row.paid_through is None and grants_premium(row, NOW)
    }
    assert unpaid_trials == expected and expected
