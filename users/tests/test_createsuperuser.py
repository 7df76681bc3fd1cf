import pytest
from django.core.management import call_command

from users.models import User

pytestmark = pytest.mark.django_db


def test_createsuperuser_makes_an_activated_staff_account_that_logs_in(monkeypatch, client):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Operator-pass-6631!")
    call_command("createsuperuser", "--noinput", email="Operator@Example.com", verbosity=0)
    operator = User.objects.get(email="operator@example.com")
    assert operator.is_superuser and operator.is_staff and operator.is_activated
    assert client.login(email="OPERATOR@example.com", password="Operator-pass-6631!")
    assert client.get("/admin/").status_code == 200
