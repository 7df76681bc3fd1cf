from io import StringIO

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from core.models import DataQualityIssue
from monetization.models import WebhookEvent
from monetization.tests.factories import PaymentFactory, SubscriptionFactory
from operations.tests.factories import WebhookEventFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("run_checks", *args, stdout=out)
    return out.getvalue()


def test_clean_data_passes_with_fail_on_issues():
    subscription = SubscriptionFactory()
    PaymentFactory(user=subscription.user, subscription=subscription, period_end=subscription.paid_through)
    WebhookEventFactory()
    output = run("--fail-on-issues")
    assert "open data-quality issues: 0" in output


def test_an_open_issue_fails_the_gate_and_is_recorded():
    WebhookEventFactory(status=WebhookEvent.Status.FAILED)
    with pytest.raises(CommandError, match="1 open data-quality issue"):
        run("--fail-on-issues")
    assert DataQualityIssue.objects.filter(check_name="failed_webhook_event", resolved_at__isnull=True).count() == 1


def test_without_the_flag_issues_are_reported_but_do_not_fail():
    WebhookEventFactory(status=WebhookEvent.Status.FAILED)
    output = run()
    assert "failed_webhook_event: 1 open (1 new, 0 resolved)" in output


def test_the_gate_passes_again_once_the_data_is_fixed():
    webhook = WebhookEventFactory(status=WebhookEvent.Status.FAILED)
    with pytest.raises(CommandError):
        run("--fail-on-issues")
    WebhookEvent.objects.filter(pk=webhook.pk).update(status=WebhookEvent.Status.PROCESSED)
    assert "open data-quality issues: 0" in run("--fail-on-issues")


def test_a_single_check_can_be_run():
    WebhookEventFactory(status=WebhookEvent.Status.FAILED)
    output = run("--check", "resource_version_gap")
    assert "resource_version_gap: 0 open" in output and "failed_webhook_event" not in output.split("open data")[0]
    assert not DataQualityIssue.objects.exists()


def test_the_command_exits_non_zero_from_the_command_line():
    WebhookEventFactory(status=WebhookEvent.Status.FAILED)
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "run_checks", "--fail-on-issues"]).execute()
    assert exited.value.code == 1
