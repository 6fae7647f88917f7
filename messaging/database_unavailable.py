"""A database that is busy or out of reach answers 503 with Retry-After, not 500.

SQLite gives up on a lock after its busy timeout ("database is locked"); PostgreSQL can be
down, restarting or refusing connections. Neither is the client's fault nor a bug: the
request may simply be tried again. The API answers its error envelope, the pages their
error page (rendered without touching the database again).
"""
from flask import Flask, current_app, g, make_response, render_template, request
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from messaging.api.errors import error_response, is_api_path
from messaging.extensions import db, login_manager
from messaging.web.htmx import vary_on_htmx

# A lock is usually gone within seconds; a server that is down takes longer to come back.
RETRY_AFTER_BUSY_SECONDS = 5
RETRY_AFTER_UNREACHABLE_SECONDS = 30
BUSY_MESSAGE = "The service is busy right now. Please try again in a few seconds."
UNREACHABLE_MESSAGE = "The service cannot reach its database right now. Please try again shortly."


def init_app(app: Flask) -> None:
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(PoolTimeout, database_unavailable)


def database_unavailable(error: Exception):
    busy = "locked" in str(getattr(error, "orig", error)).lower() or isinstance(error, PoolTimeout)
    seconds = RETRY_AFTER_BUSY_SECONDS if busy else RETRY_AFTER_UNREACHABLE_SECONDS
    message = BUSY_MESSAGE if busy else UNREACHABLE_MESSAGE
    current_app.logger.warning("Database unavailable (answered 503): %s", error)
    _forget_failed_work()
    headers = {"Retry-After": str(seconds)}
    if is_api_path(request.path):
        return error_response(503, "service_unavailable", message, headers=headers)
    # The error page must not ask the database who is signed in: it is the thing that failed.
    g.session_principal = None
    g._login_user = login_manager.anonymous_user()
    body = render_template("errors/error.html", status=503, title="Try again shortly", message=message, principal=None)
    response = vary_on_htmx(make_response(body, 503))
    response.headers.update(headers)
    return response


def _forget_failed_work() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection may be gone; the session is discarded at teardown anyway
        current_app.logger.debug("Rollback after a database failure failed too", exc_info=True)
