"""Static files under a version computed from their bytes, cached for a year by browsers and proxies.

Templates link them with ``static_url(filename)``: ``/static/css/app.css?v=<hash of the file>``.
A changed file gets a new URL, so the old one may be cached forever (``immutable``); a request
without the current version (an old page, a hand-typed URL) is served ``no-cache`` instead.
"""
import hashlib
from functools import lru_cache, wraps
from pathlib import Path

from flask import Flask, current_app, request

from messaging.remembered_urls import remembered_url_for

YEAR_SECONDS = 365 * 24 * 3600


@lru_cache(maxsize=256)
def _digest(path: str, modified_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def static_version(filename: str) -> str | None:
    path = Path(current_app.static_folder, filename)
    try:
        stat = path.stat()
    except OSError:
        return None
    return _digest(str(path), stat.st_mtime_ns, stat.st_size)


def static_url(filename: str) -> str:
    version = static_version(filename)
    return remembered_url_for("static", filename=filename, **({"v": version} if version else {}))


def register_static_caching(app: Flask) -> None:
    """Flask's static view, its answers given their caching: by the view, not by a hook every answer runs."""
    app.add_template_global(static_url)
    serve = app.view_functions["static"]

    @wraps(serve)
    def serve_with_caching(filename: str):
        response = serve(filename=filename)
        if response.status_code in (200, 304):
            _set_caching(response, filename)
        return response

    app.view_functions["static"] = serve_with_caching


def _set_caching(response, filename: str) -> None:
    if request.args.get("v") and request.args.get("v") == static_version(filename):
        response.cache_control.public = True
        response.cache_control.max_age = YEAR_SECONDS
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    else:
        response.cache_control.no_cache = True
        response.cache_control.max_age = None
