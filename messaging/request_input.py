"""Input no view should ever see, refused before any parsing, service or SQL sees it.

- NUL characters: PostgreSQL text cannot hold them (the driver raises), and no person types one;
- unpaired surrogates (JSON ``"\\ud800"``): not text at all, they cannot be encoded as UTF-8;
- JSON nested deeper than any request of this API: Python's parser recurses, and 100,000
  levels blow its stack.

Query strings, form fields (names and values) and JSON bodies are checked for every request
that reached a route. Refusals are ordinary service errors, so the API answers its envelope
and the pages their error page.
"""
import json
import re

from flask import Flask, request

from messaging.services.errors import InvalidInput, MessagingError

# Deeper than any body the API accepts (its deepest is an object of strings), far below the stack.
JSON_MAX_DEPTH = 32
FORBIDDEN_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
# The bodies werkzeug parses into request.form.
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
REFUSED_TEXT_REASON = "Contains a character text cannot hold (NUL or an unpaired surrogate)."


class UnacceptableText(InvalidInput):
    def __init__(self, field: str):
        super().__init__(
            "Some of the input contains characters that text cannot hold (NUL or unpaired surrogates).",
            fields={field or "body": REFUSED_TEXT_REASON},
        )


class MalformedJson(MessagingError):
    def __init__(self):
        super().__init__(f"The request body is not valid JSON, or nests deeper than {JSON_MAX_DEPTH} levels.")


def init_app(app: Flask) -> None:
    app.before_request(refuse_unacceptable_input)


def refuse_unacceptable_input() -> None:
    environ = request.environ
    if not (environ.get("QUERY_STRING") or environ.get("CONTENT_LENGTH") or environ.get("HTTP_TRANSFER_ENCODING")):
        return  # no query string and no body: nothing to look at (every poll)
    if request.routing_exception is not None:
        return  # 404 or 405 whatever the input; the routing answer says so
    # Only a form body is parsed as a form: asking a GET (every poll) for its form built one anyway.
    sources = (request.args, request.form) if request.mimetype in FORM_TYPES else (request.args,)
    for source in sources:
        for name, values in source.lists():
            _check_text(name, name)
            for value in values:
                _check_text(value, name)
    if request.is_json:
        _check_json_body()


def _check_text(value: str, field: str) -> None:
    if isinstance(value, str) and FORBIDDEN_CHARACTERS.search(value):
        raise UnacceptableText(field)


def _check_json_body() -> None:
    try:
        body = json.loads(request.get_data(cache=True))
    except RecursionError:
        raise MalformedJson() from None
    except ValueError:
        return  # not JSON at all: the endpoint's own parser answers invalid_json
    _walk(body)


def _walk(body) -> None:
    """Every string of the document, keys included, without recursion (depth is checked, not trusted)."""
    pending = [(body, 1, "")]
    while pending:
        value, depth, field = pending.pop()
        if depth > JSON_MAX_DEPTH:
            raise MalformedJson()
        if isinstance(value, str):
            _check_text(value, field)
        elif isinstance(value, dict):
            for key, item in value.items():
                _check_text(key, key)
                pending.append((item, depth + 1, field or key))
        elif isinstance(value, list):
            pending.extend((item, depth + 1, field) for item in value)
