"""Application errors. Each carries its envelope `code` and HTTP status; api/ renders them."""


class ApplicationError(Exception):
    code = "error"
    http_status = 400
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None, *, details: dict | None = None):
        self.message = message or self.default_message
        self.details = details or {}
        super().__init__(self.message)


class ValidationFailed(ApplicationError):
    code = "validation_error"
    http_status = 400
    default_message = "The request is not valid."


class UnknownTags(ValidationFailed):
    default_message = "Some tags do not exist."

    def __init__(self, slugs: list[str]):
        self.slugs = slugs
        super().__init__(details={"tags": [f"Unknown tag: {slug}" for slug in slugs]})


class TokenInvalid(ApplicationError):
    code = "token_invalid"
    http_status = 400
    default_message = "The token is invalid or has expired."


class NotAuthenticated(ApplicationError):
    code = "not_authenticated"
    http_status = 401
    default_message = "Authentication credentials were not provided."


class InvalidCredentials(ApplicationError):
    code = "invalid_credentials"
    http_status = 401
    default_message = "The email or password is wrong."


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    http_status = 403
    default_message = "You do not have permission to do this."


class AccessDenied(ApplicationError):
    code = "access_denied"
    http_status = 403
    default_message = "An active premium subscription is required."


class AccountNotActivated(ApplicationError):
    code = "account_not_activated"
    http_status = 403
    default_message = "The account has not been activated yet."


class NotFound(ApplicationError):
    code = "not_found"
    http_status = 404
    default_message = "Not found."


class Conflict(ApplicationError):
    code = "conflict"
    http_status = 409
    default_message = "The request conflicts with the current state."


class UpstreamUnavailable(ApplicationError):
    """A provider (Stripe, mail) failed or timed out; nothing was half-written."""

    code = "upstream_unavailable"
    http_status = 502
    default_message = "A payment provider did not answer. Please try again."


# Billing refusals, each with its own code.
class EmailTaken(Conflict):
    code = "email_taken"
    default_message = "An account with this email already exists."


class UsernameTaken(Conflict):
    code = "username_taken"
    default_message = "This username is taken."


class TokenNotValid(NotAuthenticated):
    code = "token_not_valid"
    default_message = "The refresh token is invalid, expired or already used."


class AlreadySubscribed(Conflict):
    code = "already_subscribed"
    default_message = "You already have an active premium subscription."


class CheckoutIncomplete(Conflict):
    code = "checkout_incomplete"
    default_message = "The checkout session is not complete."


class NoActiveSubscription(NotFound):
    code = "no_active_subscription"
    default_message = "You have no active subscription to cancel."


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"
    default_message = "This Idempotency-Key was already used for a different request."


class AnalyticsBatchTooLarge(ApplicationError):
    code = "payload_too_large"
    http_status = 413
    default_message = "The events of one call are too large together."


class WebhookProcessingFailed(ApplicationError):
    """Stripe redelivers on a 5xx: the event was recorded as failed and will be tried again."""

    code = "webhook_processing_failed"
    http_status = 500
    default_message = "The event could not be processed; it was recorded and will be retried."


class FileTooLarge(ApplicationError):
    code = "file_too_large"
    http_status = 413
    default_message = "The file is larger than the upload limit."


class UnsupportedFileType(ApplicationError):
    code = "unsupported_file_type"
    http_status = 415
    default_message = "This type of file cannot be uploaded."


class LinkInvalid(ApplicationError):
    code = "link_invalid"
    http_status = 403
    default_message = "This download link is not valid."


class LinkExpired(ApplicationError):
    code = "link_expired"
    http_status = 410
    default_message = "This download link has expired. Ask for a new one."


class NotConfigured(ApplicationError):
    """A feature the request needs is off because settings are missing; `details` names them."""

    code = "not_configured"
    http_status = 503
    default_message = "This feature is not configured on this server."

    @classmethod
    def unless_set(cls, settings_object, *names: str) -> None:
        """Raise, naming every one of `names` that is empty in `settings_object`."""
        missing = [name for name in names if not getattr(settings_object, name, None)]
        if missing:
            raise cls(f"{cls.default_message[:-1]}: set {', '.join(missing)}.", details={"missing_settings": missing})


class BillingNotConfigured(NotConfigured):
    code = "billing_not_configured"
    default_message = "Billing is not configured on this server."
