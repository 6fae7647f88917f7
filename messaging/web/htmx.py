"""The htmx side of the pages: which requests get a fragment, and the events the answers announce.

One route answers both kinds of request: a full page for a browser navigating
(JavaScript off, a boosted link, a history restore) and a fragment for an htmx
request that swaps part of the page. Request headers are read, and response headers
written (``make_response(..., trigger=, retarget=, reswap=)``), through flask-htmx.
"""
from flask import Response
from flask_htmx import HTMX
from flask_htmx import make_response as htmx_response

from messaging.default_headers import add_vary

# Reads the HX-* request headers of the current request; no app registration needed.
htmx_request = HTMX()

# Events the server announces with HX-Trigger; panels listen with `hx-trigger="... from:body"`.
MESSAGES_READ = "messages-read"
MESSAGE_SENT = "message-sent"
CONVERSATION_CHANGED = "conversation-changed"
COMPOSE_DONE = "compose-done"
# Carries {"message": ...} of a refusal that has no form to show it in (404, 403, an expired form).
PAGE_ERROR = "page-error"


def wants_fragment() -> bool:
    return bool(htmx_request) and not htmx_request.boosted and not htmx_request.history_restore_request


def fragment(body: str, *events: str, **headers) -> Response:
    """An HTML fragment announcing ``events`` to the page, with flask-htmx's other response
    headers (``retarget=``, ``reswap=``, ``push_url=``)."""
    return htmx_response(body, {"Content-Type": "text/html; charset=utf-8"},
                         trigger={name: None for name in events} or None, **headers)


def page_error(status: int, message: str) -> Response:
    """A refusal with no form to show it in: nothing is swapped, the page's alert bar says why."""
    return htmx_response("", status, reswap="none", trigger={PAGE_ERROR: {"message": message}})


def vary_on_htmx(response: Response) -> Response:
    # Caches must not hand a fragment to a full-page request for the same URL, or the reverse.
    add_vary(response.headers, "HX-Request")
    return response
