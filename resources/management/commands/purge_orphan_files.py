"""manage.py purge_orphan_files [--delete] [--grace-minutes 60]: sweep objects no version refers to."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from resources.services.purge_orphan_files import purge_orphan_files


class Command(BaseCommand):
    help = "List stored resource files that no version refers to; delete them with --delete."

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="delete the orphans (default: dry run)")
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=60,
            help="leave alone objects younger than this: their upload may still be committing",
        )

    def handle(self, *args, delete: bool, grace_minutes: int, **options):
        sweep = purge_orphan_files(delete=delete, grace=timedelta(minutes=grace_minutes))
        for key in sweep.orphans:
            self.stdout.write(f"{'deleted' if delete else 'orphan'} {key}")
        verb = "deleted" if delete else "would delete (dry run; pass --delete)"
        self.stdout.write(
            f"{len(sweep.orphans)} orphan(s) {verb}; {sweep.referenced} referenced; "
            f"{sweep.too_recent} too recent to judge"
        )
