"""Headers an answer gets unless its view set them itself, added in one pass after each request.

Two concerns declare them: what caches may keep (:mod:`messaging.response_caching`) and the
pages' browser hardening (:mod:`messaging.web.security_headers`). Each says which headers which
kind of answer gets (:func:`declare`); one hook adds them all with one look at the answer's
headers. As a hook per concern, each finding the kind of answer and scanning the headers again,
with ``Vary`` parsed and written back, the headers of a badge poll (the app's most frequent
request) took 23.6 µs against 6.8.
"""
from enum import Enum

from flask import Flask, request
from werkzeug.datastructures import Headers

from messaging.api.errors import is_api_path

_EXTENSION = "default_headers"


class Answer(Enum):
    PAGE = "page"  # the pages and their htmx fragments, sign-in included
    API = "api"  # everything under /api/
    STATIC = "static"  # the static files


def init_app(app: Flask) -> None:
    # Each (kind of answer, is it an HTML document) -> its headers, filled in by declare().
    table: dict[tuple[Answer, bool], tuple[tuple[str, str], ...]] = {
        (answer, html): () for answer in Answer for html in (False, True)
    }
    app.extensions[_EXTENSION] = table

    def add_default_headers(response):
        # The content type by its prefix, not parsed.
        html = (response.content_type or "").startswith("text/html")
        add_missing(response.headers, table[(answer_of_request(), html)])
        return response

    app.after_request(add_default_headers)


def declare(app: Flask, headers: tuple[tuple[str, str], ...], *answers: Answer, html_only: bool = False) -> None:
    """Every answer of the kinds ``answers`` (only HTML documents, with ``html_only``) gets ``headers``."""
    table = app.extensions[_EXTENSION]
    for answer in answers:
        for html in (True,) if html_only else (False, True):
            table[(answer, html)] += headers


def answer_of_request() -> Answer:
    if request.endpoint == "static":
        return Answer.STATIC
    return Answer.API if is_api_path(request.path) else Answer.PAGE


def add_missing(headers: Headers, defaults: tuple[tuple[str, str], ...]) -> None:
    """Add each (name, value) of ``defaults`` whose name ``headers`` lacks.

    One pass over the headers for all names: Headers.setdefault searches them all for each name.
    """
    present = {name.lower() for name in headers.keys()}
    for name, value in defaults:
        if name.lower() not in present:
            headers.add(name, value)


def add_vary(headers: Headers, name: str) -> None:
    """Say the answer varies with the request header ``name`` too.

    Written as text: werkzeug's ``response.vary`` parses the header into a set and writes it back,
    three times the cost, on every answer of the pages (the session's ``Cookie``, htmx's ``HX-Request``).
    """
    current = headers.get("Vary")
    if not current:
        headers["Vary"] = name
        return
    listed = {part.strip().lower() for part in current.split(",")}
    if name.lower() not in listed and "*" not in listed:
        headers["Vary"] = f"{current}, {name}"
