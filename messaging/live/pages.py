"""The pages' stream, ``<role pages>/stream`` (``/admin/messages/stream``, ...), on the browser session.

Every minute at most (``LIVE_RECHECK_SECONDS``) the stream rebuilds the principal from the
account as the session named it: a deactivated account, a lost vendor membership or a
signed-out session (:mod:`messaging.live.sign_out`) ends it.
"""
from collections.abc import Callable

from flask import Blueprint, Flask, Response, current_app, request, session
from flask_login import current_user

from messaging.auth import ACTING_AS_KEY, session_principal
from messaging.identity import Principal
from messaging.live.sign_out import SESSION_TOKEN_KEY
from messaging.live.stream import event_stream, last_event_id, latest_event_id
from messaging.remembered_urls import remembered_url_for
from messaging.roles import ROLES, Role, role_of
from messaging.services.accounts import restore_principal

# Vendored from npm (`npm pack htmx-ext-sse@2.2.4`), beside htmx.
SSE_EXTENSION_SCRIPT = "vendor/htmx-ext-sse-2.2.4.min.js"


def build_blueprint(role: Role) -> Blueprint:
    blueprint = Blueprint(f"{role.pages.blueprint_name}_live", __name__, url_prefix=role.pages.url_prefix)

    def stream():
        principal = session_principal()
        if principal is None or principal.type != role.type:
            return Response(status=401)  # EventSource gives up; the page's own requests lead to sign-in
        return event_stream(principal, session_recheck(principal), last_event_id(request.args.get("after", type=int)),
                            session.get(SESSION_TOKEN_KEY))

    blueprint.add_url_rule("/stream", "stream", stream, methods=["GET"])
    return blueprint


def session_recheck(principal: Principal) -> Callable[[], bool]:
    """Whether the account of this session may still act as ``principal`` (read again from the database)."""
    acting_as = dict(session.get(ACTING_AS_KEY) or {})
    account_id = current_user.id

    def still_allowed() -> bool:
        return restore_principal(acting_as.get("type"), account_id, acting_as.get("vendor_id")) == principal

    return still_allowed


def stream_url_of(role: Role) -> str:
    return remembered_url_for(f"{role.pages.blueprint_name}_live.stream")


def _layout_context() -> dict:
    """The layout's ``sse-connect``: the stream of the signed-in role, from the newest event on."""
    principal = session_principal()
    if principal is None or not current_app.config["LIVE_DELIVERY"] \
            or not current_app.extensions["live_broker"].reaches_every_stream(request.environ):
        return {"live_stream": None}
    return {"live_stream": {
        "url": stream_url_of(role_of(principal.type)),
        "after": latest_event_id,
        "script": SSE_EXTENSION_SCRIPT,
    }}


def init_app(app: Flask) -> None:
    for role in ROLES:
        app.register_blueprint(build_blueprint(role))
    app.context_processor(_layout_context)
