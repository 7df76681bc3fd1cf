"""SQL that each database spells its own way (triggers), run from migrations.

It lives in the lowest layer so that every app's migrations may import it.
"""

from django.db import migrations


def run_per_vendor(forward: dict[str, list[str]], reverse: dict[str, list[str]]) -> migrations.RunPython:
    """A migration operation running `forward[vendor]` (undone by `reverse[vendor]`); a database
    with no entry runs nothing."""
    return migrations.RunPython(_runner(forward), _runner(reverse))


def _runner(statements_by_vendor: dict[str, list[str]]):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run
