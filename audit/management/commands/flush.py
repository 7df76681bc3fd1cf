"""Django's `flush`, able to empty the append-only audit table on SQLite too.

On SQLite, flush deletes every row with DELETE, which the audit table's trigger refuses
(PostgreSQL's flush is a TRUNCATE, which row triggers do not see). The trigger lets rows go
while `audit_purge_allowed` has a row: this command writes one in the flush's transaction
and removes it before the commit, so no other connection ever sees it.
"""

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections, transaction


class Command(flush.Command):
    def handle(self, **options):
        database = options.get("database") or DEFAULT_DB_ALIAS
        connection = connections[database]
        if connection.vendor != "sqlite" or "audit_purge_allowed" not in connection.introspection.table_names():
            return super().handle(**options)
        with transaction.atomic(using=database):
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO audit_purge_allowed DEFAULT VALUES")
            super().handle(**options)
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM audit_purge_allowed")
