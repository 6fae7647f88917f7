"""Who may open a role's pages at all: a signed-in principal of that role.

What they may see inside is the service's business (NotFound -> 404); this guard
only sends strangers to the right sign-in page.
"""
from flask import Response, abort, g, redirect, request, url_for

from messaging.auth import session_principal
from messaging.roles import Role
from messaging.web.htmx import wants_fragment


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
    next_url = request.full_path.rstrip("?") if request.method == "GET" and not wants_fragment() else None
    target = url_for(role.pages.sign_in_endpoint, next=next_url) if next_url else url_for(role.pages.sign_in_endpoint)
    if wants_fragment():
        # A redirect would be followed inside the XHR and the sign-in page swapped into a panel.
        response = Response(status=401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)
