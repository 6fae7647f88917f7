"""The error envelope: every refusal under /api/ is ``{"error": {"code", "message", "fields"?}}``.

Service refusals get their status and code from the one table of :mod:`messaging.http_errors`;
werkzeug's HTTP errors (unknown route, wrong method, body too large, ...) and webargs'
validation errors are translated here, so an API client never sees an HTML page or a traceback.
"""
from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from messaging.http_errors import envelope, meaning_of
from messaging.services.errors import MessagingError

API_ROOT = "/api"


def is_api_path(path: str) -> bool:
    """Whether ``path`` is the API's: answered in its JSON envelope, never as a page."""
    return path == API_ROOT or path.startswith(API_ROOT + "/")

# Codes for werkzeug's errors; service errors bring their own.
HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
}

HTTP_ERROR_MESSAGES = {
    404: "Not found.",
    405: "This method is not allowed here.",
    413: "The request body is larger than the server accepts.",
    500: "Something went wrong on our side.",
}


def error_response(status: int, code: str, message: str, fields: dict | None = None, headers=None):
    response = jsonify(envelope(code, message, fields))
    response.status_code = status
    if headers:
        response.headers.update(headers)
    return response


def messaging_error_response(error: MessagingError):
    meaning = meaning_of(error)
    return error_response(meaning.status, meaning.code, error.message, error.fields, getattr(error, "headers", None))


def http_error_response(error: HTTPException):
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    headers = dict(data.get("headers") or {})
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    if messages is not None:
        return _validation_response(status, messages, headers)
    message = HTTP_ERROR_MESSAGES.get(status) or error.description or error.name
    return error_response(status, HTTP_ERROR_CODES.get(status, "http_error"), message, headers=headers)


def _validation_response(status: int, messages: dict, headers: dict):
    """Turn webargs' ``{location: {field: [reasons]}}`` into the envelope's flat ``fields``."""
    fields = {}
    for location, errors in messages.items():
        _flatten(errors, prefix="" if location in ("json", "query", "form", "querystring") else location, into=fields)
    if status == 400 and messages.get("json") == ["Invalid JSON body."]:
        return error_response(400, "invalid_json", "The request body is not valid JSON.", headers=headers)
    return error_response(status, HTTP_ERROR_CODES.get(status, "validation_error"),
                          "Some of the input is not valid.", fields or None, headers)


def _flatten(errors, *, prefix: str, into: dict) -> None:
    if isinstance(errors, dict):
        for name, nested in errors.items():
            # "_schema" is marshmallow's name for errors about the whole body (e.g. not an object).
            part = "body" if name == "_schema" else str(name)
            _flatten(nested, prefix=f"{prefix}.{part}" if prefix else part, into=into)
    elif isinstance(errors, (list, tuple)):
        if all(isinstance(item, str) for item in errors):
            into[prefix or "body"] = " ".join(errors)
        else:
            for item in errors:
                _flatten(item, prefix=prefix, into=into)
    else:
        into[prefix or "body"] = str(errors)


def unexpected_error_response(error: Exception):
    if isinstance(error, HTTPException):
        return http_error_response(error)
    current_app.logger.exception("Unhandled error in the JSON API", exc_info=error)
    return error_response(500, "internal_error", HTTP_ERROR_MESSAGES[500])


def register_error_handlers(blueprint) -> None:
    """Handlers on the API blueprints themselves, so they win over any app-wide HTML handlers."""
    blueprint.register_error_handler(MessagingError, messaging_error_response)
    for status in HTTP_ERROR_CODES:
        # Status-specific handlers: Flask prefers them to class handlers, app-wide ones included.
        blueprint.register_error_handler(status, unexpected_error_response)
    blueprint.register_error_handler(HTTPException, http_error_response)
    blueprint.register_error_handler(InternalServerError, unexpected_error_response)


def install_routing_errors(app: Flask) -> None:
    """Unknown routes and wrong methods under /api/ belong to no blueprint: answer them here."""

    @app.before_request
    def api_routing_error():
        error = request.routing_exception
        if error is None or not is_api_path(request.path):
            return None
        if isinstance(error, HTTPException) and (error.code or 0) >= 400:
            return http_error_response(error)
        return None
