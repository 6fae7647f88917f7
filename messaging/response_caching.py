"""Nothing personal is kept by a browser's or a proxy's cache.

Every answer of the app (signed-in pages, htmx fragments, sign-in forms with their CSRF
token, API JSON) is ``Cache-Control: no-store`` unless its view chose otherwise
(attachment downloads say ``private, no-cache``). API JSON also says ``nosniff``.
Static files are not touched here: their caching is a matter of its own.
"""
from flask import Flask, request

from messaging.api.errors import API_ROOT
from messaging.default_headers import add_missing

PERSONAL_CACHE_CONTROL = "no-store"
PAGE_DEFAULTS = (("Cache-Control", PERSONAL_CACHE_CONTROL),)
API_DEFAULTS = PAGE_DEFAULTS + (("X-Content-Type-Options", "nosniff"),)


def init_app(app: Flask) -> None:
    app.after_request(keep_out_of_caches)


def keep_out_of_caches(response):
    if request.endpoint == "static":
        return response
    api = request.path == API_ROOT or request.path.startswith(API_ROOT + "/")
    add_missing(response.headers, API_DEFAULTS if api else PAGE_DEFAULTS)
    return response
