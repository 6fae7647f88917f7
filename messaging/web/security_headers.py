"""Browser hardening for the HTML pages: scripts and styles only from this site, no framing."""
from flask import Flask, request

from messaging.default_headers import add_missing

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    # htmx's own indicator styles are switched off (htmx-config), so no inline style is needed.
    "style-src 'self'",
    "img-src 'self' data:",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
])


# For every page answer; HTML documents get the rest too.
EVERY_ANSWER = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"))
HTML_ANSWERS = (("Content-Security-Policy", CONTENT_SECURITY_POLICY), ("X-Frame-Options", "DENY"))


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def add_headers(response):
        if request.path.startswith("/api/"):
            return response
        # The content type by its prefix, not parsed: this runs on every badge poll.
        html = (response.content_type or "").startswith("text/html")
        add_missing(response.headers, EVERY_ANSWER + HTML_ANSWERS if html else EVERY_ANSWER)
        return response
