from django.core.management.base import BaseCommand, CommandError

from operations.checks import CHECKS, open_issue_count, run_checks


class Command(BaseCommand):
    help = (
        "Run the read-only data-quality checks: record a DataQualityIssue per broken row, resolve "
        "the issues whose data is fixed. With --fail-on-issues, exit 1 while any issue is open."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fail-on-issues", action="store_true", help="Exit non-zero if any issue is open.")
        parser.add_argument(
            "--check", action="append", choices=sorted(CHECKS), dest="checks", help="Run only this check (repeatable)."
        )

    def handle(self, *args, **options):
        for result in run_checks(options["checks"]):
            line = (
                f"{result.check_name}: {result.open_issues} open "
                f"({result.new_issues} new, {result.resolved_issues} resolved)"
            )
            self.stdout.write(self.style.WARNING(line) if result.open_issues else line)
        total = open_issue_count()
        self.stdout.write(f"open data-quality issues: {total}")
        if options["fail_on_issues"] and total:
            raise CommandError(f"{total} open data-quality issue(s); see /admin/core/dataqualityissue/")
