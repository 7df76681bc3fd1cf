"""One email normalization (NFKC, casefold) for registration, login, reset, resend, Google and
the per-email throttle; look-alike and hidden characters are refused. Runs on both databases:
PostgreSQL's UPPER used to match "ſam" to "sam" while SQLite let it register twice."""

import importlib
import json

import pytest
from django.apps import apps as django_apps

from core.models import OutboxEvent
from users.emails import UnreadableEmail, normalize_email
from users.models import User
from users.tests.factories import DEFAULT_PASSWORD, UserFactory
from users.tests.helpers import STRONG_PASSWORD, error_code

pytestmark = pytest.mark.django_db

LONG_S = "\u017fam@example.com"  # ſam
KELVIN = "\u212aate@example.com"  # Kate with the Kelvin sign
FULLWIDTH = "\uff53\uff41\uff4d\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d"  # ｓａｍ＠…
DOTLESS_I = "\u0131an@example.com"  # ıan: PostgreSQL's UPPER makes it IAN
DOTTED_CAPITAL_I = "\u0130an@example.com"  # İan
ZERO_WIDTH = "s\u200bam@example.com"
RIGHT_TO_LEFT = "\u202esam@example.com"
UNCOMBINED_MARK = "sa\u0336m@example.com"
LONE_SURROGATE = "a\ud800@example.com"
NUL = "sam@example.com\x00"
DECOMPOSED_DOMAIN = "sam@e\u0301cole.fr"  # e + combining acute
COMPOSED_DOMAIN = "sam@\u00e9cole.fr"

REFUSED = [DOTLESS_I, DOTTED_CAPITAL_I, ZERO_WIDTH, RIGHT_TO_LEFT, UNCOMBINED_MARK, LONE_SURROGATE, NUL]
EMAIL_ENDPOINTS = [
    "/api/auth/login/",
    "/api/auth/register/",
    "/api/auth/password-reset/",
    "/api/auth/resend-activation/",
]


def post(client, path: str, body: dict, **extra):
    """JSON with \\u escapes, as a hostile client sends it: a lone surrogate cannot be UTF-8."""
    return client.post(path, data=json.dumps(body), content_type="application/json", **extra)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        (LONG_S, "sam@example.com"),
        (KELVIN, "kate@example.com"),
        (FULLWIDTH, "sam@example.com"),
        ("  SAM@Example.COM ", "sam@example.com"),
        ("Stra\u00dfe@example.com", "strasse@example.com"),
        (DECOMPOSED_DOMAIN, COMPOSED_DOMAIN),
    ],
)
def test_look_alike_spellings_fold_into_the_address_a_person_reads(raw, normalized):
    assert normalize_email(raw) == normalized
    assert normalize_email(normalized) == normalized  # idempotent: stored values stay put


@pytest.mark.parametrize("raw", REFUSED)
def test_hidden_and_look_alike_characters_are_refused(raw):
    with pytest.raises(UnreadableEmail):
        normalize_email(raw)


@pytest.mark.parametrize("spelling", [LONG_S, FULLWIDTH, "SAM@EXAMPLE.COM"])
def test_registering_a_look_alike_of_an_existing_address_is_email_taken(api_client, spelling):
    UserFactory(email="sam@example.com")
    response = post(api_client, "/api/auth/register/", {"email": spelling, "password": STRONG_PASSWORD})
    assert (response.status_code, error_code(response)) == (409, "email_taken")
    assert User.objects.count() == 1


def test_the_stored_address_is_the_normalized_one(api_client):
    response = post(api_client, "/api/auth/register/", {"email": FULLWIDTH, "password": STRONG_PASSWORD})
    assert response.status_code == 201, response.json()
    assert response.json()["data"]["email"] == "sam@example.com"
    assert User.objects.get().email == "sam@example.com"


def test_a_decomposed_domain_is_the_same_account_as_the_composed_one(api_client):
    first = post(api_client, "/api/auth/register/", {"email": DECOMPOSED_DOMAIN, "password": STRONG_PASSWORD})
    assert first.status_code == 201
    again = post(api_client, "/api/auth/register/", {"email": COMPOSED_DOMAIN, "password": STRONG_PASSWORD})
    assert error_code(again) == "email_taken"


@pytest.mark.parametrize(("stored", "typed"), [("sam@example.com", LONG_S), ("kate@example.com", KELVIN)])
def test_login_with_a_folded_spelling_reaches_the_one_account_it_folds_to(api_client, stored, typed):
    user = UserFactory(email=stored)
    response = post(api_client, "/api/auth/login/", {"email": typed, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert response.json()["data"]["user"]["id"] == str(user.pk)


def test_a_dotless_i_never_logs_into_the_dotted_account(api_client):
    UserFactory(email="ian@example.com")
    response = post(api_client, "/api/auth/login/", {"email": DOTLESS_I, "password": DEFAULT_PASSWORD})
    assert (response.status_code, error_code(response)) == (400, "validation_error")
    assert "email" in response.json()["error"]["details"]


@pytest.mark.parametrize("path", EMAIL_ENDPOINTS)
@pytest.mark.parametrize("raw", REFUSED)
def test_refused_addresses_are_a_400_with_the_envelope_on_every_email_endpoint(api_client, path, raw):
    response = post(api_client, path, {"email": raw, "password": STRONG_PASSWORD})
    assert response.status_code == 400
    body = response.json()
    if raw == LONE_SURROGATE:
        # Not text at all: the JSON parser refuses the body before any field is read.
        assert body["status"] == "error" and body["error"]["code"] == "malformed_json"
    else:
        assert body["status"] == "error" and body["error"]["code"] == "validation_error"
        assert "email" in body["error"]["details"]
    assert not OutboxEvent.objects.exists() and not User.objects.exists()


def test_each_spelling_of_one_address_counts_against_the_same_throttle_bucket(api_client):
    UserFactory(email="sam@example.com")
    spellings = [LONG_S, FULLWIDTH, "SAM@example.com", "sam@EXAMPLE.com", "Sam@example.com"]
    statuses = [
        post(
            api_client,
            "/api/auth/login/",
            {"email": spellings[n % len(spellings)], "password": "wrong"},
            REMOTE_ADDR=f"10.0.9.{n}",
        ).status_code
        for n in range(11)
    ]
    assert statuses == [401] * 10 + [429]


@pytest.mark.parametrize("path", ["/api/auth/password-reset/", "/api/auth/resend-activation/"])
def test_reset_and_resend_find_the_account_through_a_folded_spelling(api_client, path):
    user = UserFactory(email="sam@example.com", is_activated=path.endswith("password-reset/"))
    assert post(api_client, path, {"email": LONG_S}).status_code == 200
    event = OutboxEvent.objects.get()
    assert event.payload == {"user_id": str(user.pk), "email": "sam@example.com"}


def test_google_links_a_folded_spelling_to_the_existing_account(api_client, google_certs, google_key):
    user = UserFactory(email="sam@gmail.com")
    response = post(api_client, "/api/auth/google/", {"id_token": google_key.sign(email="\u017fam@Gmail.com")})
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["user"]["id"] == str(user.pk)
    assert User.objects.count() == 1


def test_google_with_an_unreadable_address_is_refused_not_created(api_client, google_certs, google_key):
    response = post(api_client, "/api/auth/google/", {"id_token": google_key.sign(email=DOTLESS_I)})
    assert (response.status_code, error_code(response)) == (401, "invalid_credentials")
    assert not User.objects.exists()


def _migration():
    return importlib.import_module("users.migrations.0003_normalized_emails")


def test_the_migration_folds_stored_addresses():
    user = UserFactory(email="sam@example.com")
    User.objects.filter(pk=user.pk).update(email="\uff53am@Example.com")  # as stored before folding
    _migration().normalize_stored_emails(django_apps, None)
    user.refresh_from_db()
    assert user.email == "sam@example.com"


def test_the_migration_refuses_to_run_when_two_stored_addresses_collide():
    first, second = UserFactory(email="sam@example.com"), UserFactory(email="other@example.com")
    User.objects.filter(pk=second.pk).update(email=LONG_S)
    with pytest.raises(RuntimeError, match="same once normalized") as raised:
        _migration().normalize_stored_emails(django_apps, None)
    assert str(first.pk) in str(raised.value) and str(second.pk) in str(raised.value)
    second.refresh_from_db()
    assert second.email == LONG_S  # nothing changed


def test_a_legacy_unreadable_address_is_left_by_the_migration_and_still_saves(capsys):
    user = UserFactory(email="ian@example.com")
    User.objects.filter(pk=user.pk).update(email=DOTLESS_I)
    _migration().normalize_stored_emails(django_apps, None)
    assert DOTLESS_I in capsys.readouterr().out
    user.refresh_from_db()
    user.is_activated = False
    user.save()  # e.g. last_login on a token refresh: never a crash on an old address
    user.refresh_from_db()
    assert user.email == DOTLESS_I
