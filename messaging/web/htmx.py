"""The few htmx request and response headers the pages use.

One route answers both kinds of request: a full page for a browser navigating
(JavaScript off, a boosted link, a history restore) and a fragment for an htmx
request that swaps part of the page.
"""
import json

from flask import Response, request

# Events the server announces with HX-Trigger; panels listen with `hx-trigger="... from:body"`.
MESSAGES_READ = "messages-read"
MESSAGE_SENT = "message-sent"
CONVERSATION_CHANGED = "conversation-changed"
COMPOSE_DONE = "compose-done"
# Carries {"message": ...} of a refusal that has no form to show it in (404, 403, an expired form).
PAGE_ERROR = "page-error"


def wants_fragment() -> bool:
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def trigger(response: Response, *events: str) -> Response:
    """Announce events to the page; several events travel as one JSON object."""
    if events:
        existing = response.headers.get("HX-Trigger")
        names = dict.fromkeys(json.loads(existing) if existing else {})
        names.update(dict.fromkeys(events))
        response.headers["HX-Trigger"] = json.dumps({name: None for name in names})
    return response


def vary_on_htmx(response: Response) -> Response:
    # Caches must not hand a fragment to a full-page request for the same URL, or the reverse.
    response.vary.add("HX-Request")
    return response
