"""Who may open a role's pages at all: a signed-in principal of that role.

What they may see inside is the service's business (NotFound -> 404); this guard
only sends strangers to the right sign-in page.
"""
from flask import Response, abort, g

from messaging.auth import session_principal
from messaging.roles import Role
from messaging.web.expired_session import to_sign_in


def require_role(role: Role):
    """A before_request hook admitting only principals of ``role``."""

    def guard():
        principal = session_principal()
        if principal is None:
            return _to_sign_in(role)
        if principal.type != role.type:
            abort(403)
        g.principal = principal
        g.role = role
        g.pages = role.pages
        return None

    return guard


def _to_sign_in(role: Role) -> Response:
    # htmx requests come back to the page they were on (HX-Current-URL), see expired_session.
    return to_sign_in(role.pages)
