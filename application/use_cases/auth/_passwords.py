"""Django's password validators, reported as a validation error on the given field."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from application.exceptions import ValidationFailed


def check_password_strength(password: str, *, user, field: str) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationFailed("The password is too weak.", details={field: list(error.messages)}) from error
