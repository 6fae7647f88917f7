"""Who is calling the API: a bearer token, or else the signed-in browser session.

Bearer requests carry their credential explicitly, so they need no CSRF token; a
request authenticated by the session cookie could be forged by another site, so its
unsafe methods must carry the CSRF token in ``X-CSRFToken``.
"""
from functools import lru_cache

from flask import current_app, g, request
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from messaging import request_unread_total
from messaging.auth import session_principal
from messaging.http_errors import CsrfRequired, InvalidToken, Unauthenticated, WrongSurface
from messaging.identity import Principal
from messaging.roles import role_for_surface
from messaging.services.api_tokens import ApiTokens

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def api_tokens() -> ApiTokens:
    return _api_tokens(current_app.config["SECRET_KEY"], current_app.config["API_TOKEN_MAX_AGE_SECONDS"])


@lru_cache(maxsize=8)
def _api_tokens(secret_key: str, max_age_seconds: int) -> ApiTokens:
    # Every bearer request checks a token: the serializer is made once per key and lifetime, not per request.
    return ApiTokens(secret_key, max_age_seconds)


def authenticate_request(surface: str) -> Principal:
    """The principal for this request on the ``surface`` of a role, or an error saying why not."""
    principal = authenticate_any_surface()
    role = role_for_surface(surface)
    if principal.type != role.type:
        raise WrongSurface(role.type.value)
    g.api_principal = principal
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
    claims = api_tokens().claims_of(token.strip())
    principal = request_unread_total.restore_signed_in(*claims) if claims else None
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
