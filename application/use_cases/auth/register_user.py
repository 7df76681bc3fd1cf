"""Sign up with email and password; the account waits for its activation link."""

from django.db import transaction

from application.dto.auth import RegisteredUser
from application.dto.commands import RegisterUserCommand
from application.exceptions import EmailTaken, UsernameTaken
from application.use_cases.auth._passwords import check_password_strength
from users.emails import normalize_email
from users.models import User
from users.services import registration


def register_user(command: RegisterUserCommand) -> RegisteredUser:
    email = normalize_email(command.email)
    check_password_strength(command.password, user=User(email=email), field="password")
    try:
        with transaction.atomic():
            user = registration.register_local_user(email=email, password=command.password, username=command.username)
    except registration.EmailTaken as error:
        raise EmailTaken() from error
    except registration.UsernameTaken as error:
        raise UsernameTaken() from error
    return RegisteredUser(id=user.pk, email=user.email, activated=user.is_activated)
