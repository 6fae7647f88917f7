"""The header badge: the unread total, in the layout and as the fragment every open page polls.

The poll is the app's most frequent request, and its answer depends only on the count, the
role's pages and the poll interval: it is printed once for each (:mod:`messaging.web.printed_once`),
from the partial the layout includes.
"""
from flask import current_app, g, request

from messaging.auth import session_principal
from messaging.roles import RolePages
from messaging.services import messaging_service
from messaging.web import htmx
from messaging.web.printed_once import printed

TEMPLATE = "partials/_unread_badge.html"


def unread_total() -> int:
    # Once per request: the tab title, the header badge and the dashboard card show the same number.
    if "unread_total" not in g:
        principal = session_principal()
        g.unread_total = messaging_service().get_unread_count(principal) if principal else 0
    return g.unread_total


def unread_badge_fragment(role_pages: RolePages) -> str:
    count = unread_total()
    poll_seconds = current_app.config["POLL_INTERVAL_SECONDS"]
    # The badge's own URL depends on where the app is mounted (script_root).
    return printed(TEMPLATE, (role_pages.blueprint_name, request.script_root, poll_seconds, count),
                   unread_total=lambda: count, role_pages=role_pages, poll_seconds=poll_seconds, events=htmx)
