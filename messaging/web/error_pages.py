"""HTML error pages for the pages; under /api/ the JSON error shape of the contract instead.

The service's typed refusals that reach here (NotFound, NotAllowed, a refusal outside
a form) become a page with their status; forms catch the refusals a user can fix.
"""

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from messaging.auth import session_principal
from messaging.http_errors import envelope, meaning_of
from messaging.services.errors import MessagingError
from messaging.web.expired_session import expired_session_answer
from messaging.web.htmx import page_error, vary_on_htmx, wants_fragment

TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed",
    409: "Conflict",
    413: "Upload too large",
    415: "Unsupported file",
    422: "Please check your input",
}
EXPLANATIONS = {
    403: "Your account cannot open this page.",
    404: "There is nothing here, or it is not yours to see.",
    413: "The upload is larger than this site accepts. Attach smaller files.",
}


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(MessagingError)
    def service_refusal(error: MessagingError):
        meaning = meaning_of(error)
        return _answer(meaning.status, meaning.code, error.message)

    @app.errorhandler(CSRFError)
    def csrf_refusal(error: CSRFError):
        # inbox-ux: with nobody signed in any more the session expired; send them to sign in and back.
        expired = expired_session_answer()
        if expired is not None:
            return expired
        return _answer(400, "csrf_failed", "The form expired or did not come from this site. Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        code = (error.name or "error").lower().replace(" ", "_")
        message = EXPLANATIONS.get(error.code) or error.description or error.name
        return _answer(error.code, code, message)


def _answer(status: int, code: str, message: str):
    if request.path.startswith("/api/"):
        return jsonify(envelope(code, message)), status
    if wants_fragment():
        # A whole error page must not land inside a panel: the page shows the message in its alert bar.
        return vary_on_htmx(page_error(status, message))
    body = render_template(
        "errors/error.html",
        status=status,
        title=TITLES.get(status, "Something went wrong"),
        message=message,
        principal=session_principal(),
    )
    return vary_on_htmx(make_response(body, status))
