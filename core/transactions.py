"""The transaction rule: the use case (or another entry point) opens it; domain services join it."""

from django.db import transaction


class TransactionRequired(RuntimeError):
    """A domain service was called with no transaction open: its writes would not commit together."""


def in_transaction() -> bool:
    """An atomic block is open, not counting the one a test case wraps around each test.

    So a test through a real entry point fails, as production would, when that entry point
    forgot to open the transaction (Django marks its test-case blocks `_from_testcase`).
    """
    return any(not getattr(block, "_from_testcase", False) for block in transaction.get_connection().atomic_blocks)


def require_transaction() -> None:
    """Call first in a service that writes several rows or locks one: it joins the caller's transaction."""
    if not in_transaction():
        raise TransactionRequired("Open transaction.atomic() in the use case that calls this service.")
