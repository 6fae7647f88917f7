"""The header badge: the unread total, in the layout and as the fragment every open page polls.

The poll is the app's most frequent request. Its answer depends only on the count, the role's
pages and the poll interval, so each distinct answer is rendered once (from the same partial
the layout includes) and then handed out as it is: no template context, no context processors,
no Jinja run per poll.
"""
from flask import current_app, g, request

from messaging.auth import session_principal
from messaging.roles import RolePages
from messaging.services import messaging_service
from messaging.web import htmx

TEMPLATE = "partials/_unread_badge.html"
# Distinct answers kept: a few counts per role are common; past this many, start again.
REMEMBERED_ANSWERS = 1024
_rendered: dict[tuple, str] = {}


def unread_total() -> int:
    # Once per request: the tab title, the header badge and the dashboard card show the same number.
    if "unread_total" not in g:
        principal = session_principal()
        g.unread_total = messaging_service().get_unread_count(principal) if principal else 0
    return g.unread_total


def unread_badge_fragment(role_pages: RolePages) -> str:
    count = unread_total()
    # The template object is part of the key: a template reloaded in development renders anew.
    template = current_app.jinja_env.get_template(TEMPLATE)
    poll_seconds = current_app.config["POLL_INTERVAL_SECONDS"]
    key = (template, role_pages.blueprint_name, request.script_root, poll_seconds, count)
    answer = _rendered.get(key)
    if answer is None:
        if len(_rendered) >= REMEMBERED_ANSWERS:
            _rendered.clear()
        answer = _rendered[key] = template.render(
            unread_total=lambda: count, role_pages=role_pages, poll_seconds=poll_seconds, events=htmx)
    return answer
