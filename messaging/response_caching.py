"""Nothing personal is kept by a browser's or a proxy's cache.

Every answer of the app (signed-in pages, htmx fragments, sign-in forms with their CSRF
token, API JSON) is ``Cache-Control: no-store`` unless its view chose otherwise
(attachment downloads say ``private, no-cache``). API JSON also says ``nosniff``.
Static files are not touched here: their caching is a matter of its own.
"""
from flask import Flask, request

from messaging.api.errors import API_ROOT

PERSONAL_CACHE_CONTROL = "no-store"


def init_app(app: Flask) -> None:
    app.after_request(keep_out_of_caches)


def keep_out_of_caches(response):
    if request.endpoint == "static":
        return response
    headers = response.headers
    # One pass over the headers for both names (each lookup of a name searches them all).
    present = {name.lower() for name in headers.keys()}
    if "cache-control" not in present:
        headers.add("Cache-Control", PERSONAL_CACHE_CONTROL)
    if "x-content-type-options" not in present and (request.path == API_ROOT or request.path.startswith(API_ROOT + "/")):
        headers.add("X-Content-Type-Options", "nosniff")
    return response
