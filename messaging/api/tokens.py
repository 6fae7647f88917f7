"""POST /api/v1/auth/token: trade an email and password for a bearer token; POST /api/v1/auth/revoke: end them all."""
from flask_limiter import RateLimitExceeded
from flask_smorest import Blueprint

from messaging.api.authentication import api_tokens, authenticate_any_surface
from messaging.api.errors import error_response, register_error_handlers
from messaging.api.schemas import ErrorEnvelopeSchema, TokenRequestSchema, TokenResponseSchema
from messaging.services.accounts import AuthenticationFailed
from messaging.services.api_tokens import authenticate
from messaging.services.session_versions import end_every_session_of
from messaging.sign_in_limits import (
    count_refused_attempt,
    limit_sign_in_attempts,
    refusal_message,
    seconds_until_retry,
)

blp = Blueprint("api_auth", __name__, description="Sign in for a bearer token.")
register_error_handlers(blp)

TOO_MANY_ATTEMPTS_RESPONSE = {
    "description": "Too many sign-in attempts from this address or for this email; nothing was checked.",
    "schema": ErrorEnvelopeSchema,
    "headers": {
        "Retry-After": {
            "description": "Seconds until an attempt is accepted again.",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


@blp.errorhandler(RateLimitExceeded)
def too_many_attempts(_exceeded: RateLimitExceeded):
    seconds = seconds_until_retry()
    return error_response(429, "too_many_requests", refusal_message(seconds), headers={"Retry-After": str(seconds)})


@blp.route("/token", methods=["POST"])
# Outermost, so a refused attempt costs no body parsing and no password hashing.
@limit_sign_in_attempts
@blp.arguments(TokenRequestSchema)
@blp.response(200, TokenResponseSchema)
@blp.alt_response(400, response="BAD_REQUEST")
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(429, **TOO_MANY_ATTEMPTS_RESPONSE)
@blp.doc(security=[])
def issue_token(credentials):
    """Sign in as staff (admins, vendor users) or as a shop's customer (``vendor_code`` names the shop).

    A vendor user of several vendors names the vendor to act for with ``vendor_code``
    (422 ``vendor_choice_required`` lists them otherwise). The token is sent as
    ``Authorization: Bearer <token>`` until ``expires_at``.

    Sign-in is rate limited per client address (every attempt) and per email (refused
    attempts); past either limit the answer is 429 ``too_many_requests`` with ``Retry-After``.
    """
    try:
        signed_in = authenticate(
            credentials["email"], credentials["password"], credentials["vendor_code"], credentials["account_type"]
        )
    except AuthenticationFailed:
        count_refused_attempt()
        raise
    issued = api_tokens().issue(signed_in.principal, signed_in.account.session_version)
    principal = signed_in.principal
    return {
        "token": issued.token,
        "expires_at": issued.expires_at,
        "principal": {"type": principal.type, "id": principal.id, "name": principal.name},
    }


@blp.route("/revoke", methods=["POST"])
@blp.response(204)
@blp.alt_response(400, response="BAD_REQUEST")
@blp.alt_response(401, response="UNAUTHORIZED")
def revoke_tokens():
    """Sign out everywhere: every token of the caller's account stops working, this one included,
    and so does every browser session of the account.

    Authenticate as for any other call (a bearer token, or the browser session with
    ``X-CSRFToken``). A new token needs the password again.
    """
    principal = authenticate_any_surface()
    end_every_session_of(principal.type, principal.id)
    return None
