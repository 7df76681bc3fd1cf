"""The guard domain services call: they join the caller's transaction and refuse to run without one."""

import pytest
from django.db import transaction

from core.transactions import TransactionRequired, require_transaction


def test_a_service_called_outside_any_transaction_is_refused():
    with pytest.raises(TransactionRequired):
        require_transaction()


@pytest.mark.django_db
def test_the_test_cases_own_wrapping_transaction_does_not_count():
    with pytest.raises(TransactionRequired):
        require_transaction()
    with transaction.atomic():
        require_transaction()


@pytest.mark.django_db(transaction=True)
def test_inside_the_callers_transaction_and_its_savepoints_the_service_runs():
    with transaction.atomic():
        require_transaction()
        with transaction.atomic():
            require_transaction()
    with pytest.raises(TransactionRequired):
        require_transaction()
