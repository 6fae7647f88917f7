"""The CSRF token a page's forms carry, signed once per session token and minute.

Flask-WTF signs the session's token afresh for every page (a new serializer, its key derived,
the token signed and stamped): a thread fragment with its reply, status and preference forms
paid that on every view. A signed token is remembered with the session token it signs and
handed out again for ``REUSE_SECONDS``; it carries the time it was signed, so a
``WTF_CSRF_TIME_LIMIT`` still counts from then. Only the session that holds the token gets it:
the key is that session's own token.
"""
import time

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf

from messaging.bounded_memory import BoundedMemory

REUSE_SECONDS = 60
# (secret, field name, session token) -> (signed token, when signed)
_signed = BoundedMemory()


def csrf_token() -> str:
    """What Flask-WTF's ``csrf_token()`` gives, from the memory when the session's token was signed lately."""
    field_name = current_app.config["WTF_CSRF_FIELD_NAME"]
    if field_name in g:
        return g.get(field_name)
    raw = session.get(field_name)
    key = (current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, field_name, raw)
    remembered = _signed.get(key) if raw else None
    if remembered is not None and time.monotonic() - remembered[1] < REUSE_SECONDS:
        setattr(g, field_name, remembered[0])  # where generate_csrf looks first, for the rest of the request
        return remembered[0]
    token = generate_csrf()
    # The session's token as generate_csrf left it (it makes one for a session without).
    _signed.keep(key[:2] + (session.get(field_name),), (token, time.monotonic()))
    return token
