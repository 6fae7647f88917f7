"""The header badge: the unread total, in the layout and as the fragment every open page polls.

The poll is the app's most frequent request, and its answer depends only on the count, the
role's pages and the poll interval: it is printed once for each (:mod:`messaging.web.printed_once`),
from the partial the layout includes.
"""
from flask import current_app, request

from messaging import request_unread_total
from messaging.auth import session_principal
from messaging.roles import RolePages
from messaging.web import htmx
from messaging.web.printed_once import printed

TEMPLATE = "partials/_unread_badge.html"


def unread_total() -> int:
    principal = session_principal()
    return request_unread_total.unread_total(principal) if principal else 0


def unread_badge_fragment(role_pages: RolePages) -> str:
    count = unread_total()
    poll_seconds = current_app.config["POLL_INTERVAL_SECONDS"]
    # The badge's own URL depends on where the app is mounted (script_root).
    return printed(TEMPLATE, (role_pages.blueprint_name, request.script_root, poll_seconds, count),
                   unread_total=lambda: count, role_pages=role_pages, poll_seconds=poll_seconds, events=htmx)
