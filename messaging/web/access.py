"""Who may open a role's pages at all: a signed-in principal of that role.

What they may see inside is the service's business (NotFound -> 404); this guard
only sends strangers to the right sign-in page. Pages marked
:func:`checks_sign_in_with_its_read` are let in on the session's claim, checked by their first read.
"""
from functools import wraps

from flask import Response, abort, g, request

from messaging import view_marks
from messaging.auth import SessionEnded, claimed_principal, session_principal
from messaging.roles import Role
from messaging.web.expired_session import to_sign_in

_CHECKS_SIGN_IN_WITH_ITS_READ = "checks_sign_in_with_its_read"


def require_role(role: Role):
    """A before_request hook admitting only principals of ``role``."""

    def guard():
        principal = claimed_principal() if _checks_sign_in_with_its_read() else None
        if principal is None:
            principal = session_principal()
        if principal is None:
            return _to_sign_in(role)
        if principal.type != role.type:
            session_principal()  # a claim is refused only once checked: an ended session signs in again
            abort(403)
        g.principal = principal
        g.role = role
        g.pages = role.pages
        return None

    return guard


def checks_sign_in_with_its_read(view):
    """A page whose first statement is a read, and whose sign-in check rides on it: one round trip
    to the database instead of two (:mod:`messaging.carried_checks`). Whatever it writes (a thread
    marked read) it writes after that read.

    Its requests act on the session's claim (:func:`messaging.auth.claimed_principal`) until that
    read has made the check. Whatever the view does, the check is made before its answer leaves:
    by that read, by the page's layout (which asks who is signed in), or here after the view.
    A session that no longer stands goes to sign in, and what was read for it is not shown.
    """
    @wraps(view)
    def checked(*args, **kwargs):
        try:
            answer = view(*args, **kwargs)
        except SessionEnded:
            raise
        except Exception:
            session_principal()  # a refusal (a 404, say) is for a person still signed in only
            raise
        session_principal()
        return answer

    return view_marks.mark(checked, _CHECKS_SIGN_IN_WITH_ITS_READ)


def sign_in_again(role: Role):
    """The error handler of ``role``'s pages for a session found ended after its page was asked for."""

    def session_ended(_error: SessionEnded) -> Response:
        return _to_sign_in(role)

    return session_ended


def _checks_sign_in_with_its_read() -> bool:
    return request.method == "GET" and view_marks.requested_view_has(_CHECKS_SIGN_IN_WITH_ITS_READ)


def _to_sign_in(role: Role) -> Response:
    # htmx requests come back to the page they were on (HX-Current-URL), see expired_session.
    return to_sign_in(role.pages)
