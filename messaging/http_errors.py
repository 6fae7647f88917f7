"""What a refusal means over HTTP: one table for the JSON API and the pages alike.

The service layer refuses in domain terms (:mod:`messaging.services.errors`); this module
decides the status and the envelope code of each refusal. The few refusals that only exist
over HTTP (no credential, no CSRF token, a body of the wrong media type) are defined here.
"""
from dataclasses import dataclass

from messaging.request_input import MalformedJson
from messaging.send_limits import SendingTooFast
from messaging.services.accounts import AuthenticationFailed, VendorChoiceRequired
from messaging.services.conversations.cases import TooManyConversations
from messaging.services.errors import (
    ConversationClosed,
    FileTooLarge,
    InvalidInput,
    MessagingError,
    NotAllowed,
    NotFound,
    UnsupportedFileType,
)
from messaging.services.idempotency import IdempotencyKeyReused, IdempotentRequestInProgress, InvalidIdempotencyKey


class Unauthenticated(MessagingError):
    def __init__(self, message: str = "Sign in: send Authorization: Bearer <token> from POST /api/v1/auth/token."):
        super().__init__(message)
        self.headers = {"WWW-Authenticate": 'Bearer realm="api"'}


class InvalidToken(Unauthenticated):
    def __init__(self):
        super().__init__("The token is invalid or expired, or its account can no longer act: get a new one.")
        self.headers = {"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'}


class WrongSurface(Unauthenticated):
    """A valid credential of another role: this surface needs a different sign-in."""

    def __init__(self, surface: str):
        super().__init__(f"These endpoints are for {surface} accounts; sign in as one to use them.")


class CsrfRequired(MessagingError):
    def __init__(self, reason: str):
        super().__init__(f"Cookie-authenticated API calls need a valid X-CSRFToken header: {reason}")


class UnsupportedMediaType(MessagingError):
    pass


@dataclass(frozen=True)
class HttpMeaning:
    status: int
    code: str


# Looked up along the refusal's class hierarchy, most specific first.
REFUSALS: dict[type[MessagingError], HttpMeaning] = {
    NotFound: HttpMeaning(404, "not_found"),
    NotAllowed: HttpMeaning(403, "forbidden"),
    ConversationClosed: HttpMeaning(409, "conversation_closed"),
    InvalidInput: HttpMeaning(422, "validation_error"),
    UnsupportedFileType: HttpMeaning(415, "unsupported_file_type"),
    FileTooLarge: HttpMeaning(413, "file_too_large"),
    AuthenticationFailed: HttpMeaning(401, "invalid_credentials"),
    VendorChoiceRequired: HttpMeaning(422, "vendor_choice_required"),
    InvalidIdempotencyKey: HttpMeaning(400, "invalid_idempotency_key"),
    IdempotencyKeyReused: HttpMeaning(422, "idempotency_key_reused"),
    IdempotentRequestInProgress: HttpMeaning(409, "idempotency_key_in_progress"),
    Unauthenticated: HttpMeaning(401, "unauthenticated"),
    InvalidToken: HttpMeaning(401, "invalid_token"),
    WrongSurface: HttpMeaning(401, "wrong_role"),
    CsrfRequired: HttpMeaning(400, "csrf_failed"),
    UnsupportedMediaType: HttpMeaning(415, "unsupported_media_type"),
    MalformedJson: HttpMeaning(400, "invalid_json"),
    SendingTooFast: HttpMeaning(429, "too_many_requests"),
    TooManyConversations: HttpMeaning(429, "too_many_requests"),
    MessagingError: HttpMeaning(400, "bad_request"),
}


def meaning_of(refusal: MessagingError) -> HttpMeaning:
    for kind in type(refusal).__mro__:
        if kind in REFUSALS:
            return REFUSALS[kind]
    return REFUSALS[MessagingError]


def status_of(refusal: MessagingError) -> int:
    return meaning_of(refusal).status


def envelope(code: str, message: str, fields: dict | None = None) -> dict:
    """The JSON API's error body: ``{"error": {"code", "message", "fields"?}}``."""
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = {str(name): str(reason) for name, reason in fields.items()}
    return {"error": body}
