"""Where a person whose session ended goes: to sign in, then back to the page they were on.

An htmx request cannot follow a redirect to the sign-in page (it would land inside a panel),
so it gets 401 with ``HX-Redirect`` and the page it came from (``HX-Current-URL``) as ``next``.
A form posted after the session ended fails its CSRF check first; that is an expired session
too, not "the form expired", when nobody is signed in any more.
"""
from urllib.parse import urlsplit

from flask import Response, redirect, request, url_for

from messaging.auth import session_principal
from messaging.roles import ROLES, RolePages
from messaging.web.htmx import htmx_response, wants_fragment


def page_to_return_to() -> str | None:
    """The path (and query) of the page the person was on, on this site only."""
    if wants_fragment():
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        if current.netloc and current.netloc != request.host:
            return None
        path = current.path + (f"?{current.query}" if current.query else "")
        return path if path.startswith("/") and not path.startswith("//") else None
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return None


def to_sign_in(pages: RolePages) -> Response:
    next_url = page_to_return_to()
    target = url_for(pages.sign_in_endpoint, next=next_url) if next_url else url_for(pages.sign_in_endpoint)
    if wants_fragment():
        return htmx_response("", 401, redirect=target)
    return redirect(target)


def expired_session_answer() -> Response | None:
    """For a refused CSRF check on a role's pages with nobody signed in: the way to sign in again."""
    if session_principal() is not None:
        return None
    for pages in (role.pages for role in ROLES):
        if request.path == pages.url_prefix or request.path.startswith(pages.url_prefix + "/"):
            return to_sign_in(pages)
    return None
