"""Two writes in a fixed order: the second arrives while the first holds its transaction open.

PostgreSQL only, in a `transaction=True` test. The first write's transaction stays open until
the second, on its own thread and connection, waits for a row lock (or, taking none the first
holds, has finished); then the first commits and the second goes on. Deterministic, unlike a
barrier: every run gets the interleaving under test.
"""

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import connection, transaction

Result = TypeVar("Result")
TIMEOUT = 10.0


def second_arrives_during_first(first: Callable[[], object], second: Callable[[], Result]) -> Result:
    """Run `first()` and hold its transaction open until `second()` waits on a lock (or has
    finished without one); then commit and return what `second` returned."""
    holding, release = threading.Event(), threading.Event()
    first_errors: list[BaseException] = []
    outcome: dict = {}

    def run_first() -> None:
        try:
            with transaction.atomic():
                first()
                holding.set()
                release.wait(TIMEOUT)
        except BaseException as error:  # noqa: BLE001 - re-raised below, in the test's thread
            first_errors.append(error)
        finally:
            holding.set()
            connection.close()

    def run_second() -> None:
        try:
            outcome["result"] = second()
        except BaseException as error:  # noqa: BLE001 - re-raised below, in the test's thread
            outcome["error"] = error
        finally:
            connection.close()

    holder, contender = threading.Thread(target=run_first), threading.Thread(target=run_second)
    holder.start()
    try:
        holding.wait(TIMEOUT)
        if first_errors:
            raise first_errors[0]
        contender.start()
        # A second write that takes no lock the first holds just runs to its end meanwhile.
        settled = _wait_until(lambda: not contender.is_alive() or _another_connection_waits_on_a_lock())
    finally:
        release.set()
        holder.join()
        if contender.ident is not None:  # started
            contender.join()
    if first_errors:
        raise first_errors[0]
    assert settled, "the second write neither finished nor waited for a lock"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def _another_connection_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


def _wait_until(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False
