"""Calls released together, each on its own thread and database connection: a race in a test."""

import threading
from collections.abc import Callable

from django.db import connection

BARRIER_TIMEOUT = 30.0
JOIN_TIMEOUT = 60.0


def at_once(count: int, work: Callable[[int], object]) -> list:
    """Run `work(0)` .. `work(count - 1)` on `count` threads released together by a barrier.

    Returns what each call returned, by index; a call that raised leaves its exception there
    for the test to assert on. Each thread closes its connection, or the test database could
    not be dropped.
    """
    start = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            start.wait(timeout=BARRIER_TIMEOUT)
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001 - handed to the test, in its thread
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    return results


def raised(results: list) -> list[Exception]:
    """The exceptions among `at_once` results."""
    return [result for result in results if isinstance(result, Exception)]
