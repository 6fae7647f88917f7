"""Who is calling the API: a bearer token, or else the signed-in browser session.

Bearer requests carry their credential explicitly, so they need no CSRF token; a
request authenticated by the session cookie could be forged by another site, so its
unsafe methods must carry the CSRF token in ``X-CSRFToken``.
"""
from flask import current_app, g, request
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from messaging.api.roles import ROLE_SURFACES
from messaging.auth import session_principal
from messaging.identity import Principal
from messaging.services.api_tokens import ApiTokens
from messaging.services.errors import MessagingError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Unauthenticated(MessagingError):
    status = 401
    code = "unauthenticated"

    def __init__(self, message: str = "Sign in: send Authorization: Bearer <token> from POST /api/v1/auth/token."):
        super().__init__(message)
        self.headers = {"WWW-Authenticate": 'Bearer realm="api"'}


class InvalidToken(Unauthenticated):
    code = "invalid_token"

    def __init__(self):
        super().__init__("The token is invalid or expired, or its account can no longer act: get a new one.")
        self.headers = {"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'}


class WrongSurface(Unauthenticated):
    """A valid credential of another role: this surface needs a different sign-in."""

    code = "wrong_role"

    def __init__(self, surface: str):
        super().__init__(f"These endpoints are for {surface} accounts; sign in as one to use them.")


class CsrfRequired(MessagingError):
    status = 400
    code = "csrf_failed"

    def __init__(self, reason: str):
        super().__init__(f"Cookie-authenticated API calls need a valid X-CSRFToken header: {reason}")


def api_tokens() -> ApiTokens:
    return ApiTokens(current_app.config["SECRET_KEY"], current_app.config["API_TOKEN_MAX_AGE_SECONDS"])


def authenticate_request(role: str) -> Principal:
    """The principal for this request on the ``role`` surface, or an error saying why not."""
    principal = authenticate_any_surface()
    if principal.type != ROLE_SURFACES[role]:
        raise WrongSurface(ROLE_SURFACES[role].value)
    g.api_principal = principal
    g.api_role = role
    return principal


def authenticate_any_surface() -> Principal:
    """Whoever calls, by bearer token or by the browser session (whose unsafe calls need the CSRF token)."""
    principal = _bearer_principal()
    if principal is None:
        principal = session_principal()
        if principal is None:
            raise Unauthenticated()
        _require_csrf()
    return principal


def current_principal() -> Principal:
    return g.api_principal


def _bearer_principal() -> Principal | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken()
    principal = api_tokens().principal_for(token.strip())
    if principal is None:
        raise InvalidToken()
    return principal


def _require_csrf() -> None:
    if request.method in SAFE_METHODS:
        return
    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""))
    except (ValidationError, CSRFError) as error:
        raise CsrfRequired(str(error)) from None
