"""Browser hardening for the HTML pages: scripts and styles only from this site, no framing."""
from flask import Flask

from messaging import default_headers
from messaging.default_headers import Answer

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


# For every answer of the pages and every static file; HTML documents get the rest too.
EVERY_ANSWER = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"))
HTML_ANSWERS = (("Content-Security-Policy", CONTENT_SECURITY_POLICY), ("X-Frame-Options", "DENY"))


def register_security_headers(app: Flask) -> None:
    default_headers.declare(app, EVERY_ANSWER, Answer.PAGE, Answer.STATIC)
    default_headers.declare(app, HTML_ANSWERS, Answer.PAGE, Answer.STATIC, html_only=True)
