"""JWT pairs (simplejwt): issue on sign-in, rotate on refresh, blacklist on logout."""

from django.contrib.auth.models import update_last_login
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from application.dto.auth import TokenPair
from application.exceptions import TokenNotValid
from users.models import User


def may_hold_tokens(user: User) -> bool:
    return user.is_active and user.is_activated


def sign_in(user: User) -> TokenPair:
    """Tokens for a user who just proved who they are (password or Google).

    Only a real sign-in moves `last_login`: it also voids password-reset links mailed
    before it, which a token refresh must not do.
    """
    update_last_login(None, user)
    return issue_tokens(user)


def issue_tokens(user: User) -> TokenPair:
    """A fresh pair for a user the caller has authenticated. Precondition: may_hold_tokens(user)."""
    if not may_hold_tokens(user):
        raise TokenNotValid("This account may not sign in.")
    refresh = RefreshToken.for_user(user)
    return TokenPair(access_token=str(refresh.access_token), refresh_token=str(refresh))


def rotate_tokens(raw_refresh: str) -> TokenPair:
    """Exchange a refresh token for a new pair; the old one is blacklisted and works no more.

    Two concurrent refreshes with one token: the blacklist row is unique per token, so only
    one `get_or_create` creates it and only that caller gets a new pair.
    """
    refresh = _valid_refresh(raw_refresh)
    user = _owner(refresh)
    if not _blacklist_now(refresh):
        raise TokenNotValid()
    return issue_tokens(user)


def revoke_refresh_token(raw_refresh: str) -> None:
    """Blacklist a refresh token (logout). The access token lapses on its own within minutes."""
    refresh = _valid_refresh(raw_refresh)
    _blacklist_now(refresh)


def _valid_refresh(raw_refresh: str) -> RefreshToken:
    try:
        return RefreshToken(raw_refresh)  # signature, expiry, type and blacklist
    except TokenError as error:
        raise TokenNotValid() from error


def _owner(refresh: RefreshToken) -> User:
    user = User.objects.filter(pk=refresh.payload.get(api_settings.USER_ID_CLAIM)).first()
    if user is None or not may_hold_tokens(user):
        raise TokenNotValid("This account may not sign in.")
    if api_settings.CHECK_REVOKE_TOKEN and refresh.payload.get(
        api_settings.REVOKE_TOKEN_CLAIM
    ) != get_md5_hash_password(user.password):
        raise TokenNotValid("The password has changed since this token was issued.")
    return user


def _blacklist_now(refresh: RefreshToken) -> bool:
    """Blacklist the token; False when it already was (reused concurrently)."""
    outstanding = OutstandingToken.objects.filter(jti=refresh.payload[api_settings.JTI_CLAIM]).first()
    if outstanding is None:
        refresh.blacklist()
        return True
    _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    return created
