"""Sign up with email and password; the account waits for its activation link."""

from application.dto.auth import RegisteredUser
from application.dto.commands import RegisterUserCommand
from application.exceptions import Conflict
from application.use_cases.auth._passwords import check_password_strength
from users.emails import normalize_email
from users.models import User
from users.services.registration import EmailTaken, UsernameTaken, register_local_user


def register_user(command: RegisterUserCommand) -> RegisteredUser:
    email = normalize_email(command.email)
    check_password_strength(command.password, user=User(email=email), field="password")
    try:
        user = register_local_user(email=email, password=command.password, username=command.username)
    except EmailTaken as error:
        raise Conflict("An account with this email already exists.", code="email_taken") from error
    except UsernameTaken as error:
        raise Conflict("This username is taken.", code="username_taken") from error
    return RegisteredUser(id=user.pk, email=user.email, activated=user.is_activated)
