"""Nothing personal is kept by a browser's or a proxy's cache.

Every answer of the app (signed-in pages, htmx fragments, sign-in forms with their CSRF
token, API JSON) is ``Cache-Control: no-store`` unless its view chose otherwise
(attachment downloads say ``private, no-cache``). API JSON also says ``nosniff``.
Static files are not touched here: their caching is a matter of its own.
"""
from flask import Flask

from messaging import default_headers
from messaging.default_headers import Answer

PERSONAL_CACHE_CONTROL = "no-store"
PAGE_DEFAULTS = (("Cache-Control", PERSONAL_CACHE_CONTROL),)
API_DEFAULTS = PAGE_DEFAULTS + (("X-Content-Type-Options", "nosniff"),)


def init_app(app: Flask) -> None:
    default_headers.declare(app, PAGE_DEFAULTS, Answer.PAGE)
    default_headers.declare(app, API_DEFAULTS, Answer.API)
