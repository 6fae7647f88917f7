"""Who may open a role's pages at all: a signed-in principal of that role.

What they may see inside is the service's business (NotFound -> 404); this guard
only sends strangers to the right sign-in page.
"""
from flask import Response, abort, g

from messaging.auth import session_principal
from messaging.web.expired_session import to_sign_in
from messaging.web.roles import RolePages


def require_role(pages: RolePages):
    """A before_request hook admitting only principals of ``pages.role``."""

    def guard():
        principal = session_principal()
        if principal is None:
            return _to_sign_in(pages)
        if principal.type != pages.role:
            abort(403)
        g.principal = principal
        g.pages = pages
        return None

    return guard


def _to_sign_in(pages: RolePages) -> Response:
    # inbox-ux: htmx requests come back to the page they were on (HX-Current-URL), see expired_session.
    return to_sign_in(pages)
