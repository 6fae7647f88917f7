"""Flask's signed-cookie session, each distinct cookie's signature checked once per process.

An open page sends the same session cookie with every poll of its badge, and Flask checked it
from scratch each time: a new serializer, the HMAC key derived again, base64 and zlib undone,
the signature computed and compared, the timestamp decoded. That was 0.1 ms of a badge poll
that otherwise cost about 0.6 ms. A verified cookie is remembered with the session it carries
(:mod:`messaging.remembered_signatures`); every request gets a copy of its own, so nothing a
request changes in its session reaches another one.
"""
from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from messaging.default_headers import add_vary
from messaging.remembered_signatures import REMEMBERED, RememberedSignatures, verified_payload


class RememberingCookieSessionInterface(SecureCookieSessionInterface):
    def __init__(self, remembered: int = REMEMBERED):
        self._remembered = remembered
        # Per key set: one serializer (building it, and deriving its keys, per request was a third
        # of the cost), and the cookies it verified.
        self._by_keys: dict[tuple, tuple] = {}

    def get_signing_serializer(self, app: Flask):
        return self._for_keys(app)[0]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer, verified = self._for_keys(app)
        if serializer is None:
            return None
        if "HTTP_COOKIE" not in request.environ:
            return self.session_class()  # an API call, a first visit: no cookies to parse
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        carried = verified.carried(value, app.permanent_session_lifetime.total_seconds())
        if carried is None:
            return self.session_class()  # forged or expired, as Flask's own interface answers
        return self.session_class(_copied(carried))

    def save_session(self, app: Flask, session: SecureCookieSession, response: Response) -> None:
        if not session.modified and not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            # Nothing to write, as on nearly every request: Flask's own method reads six cookie
            # settings before finding that out.
            if session.accessed:
                add_vary(response.headers, "Cookie")
            return
        super().save_session(app, session, response)

    def _for_keys(self, app: Flask) -> tuple:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        found = self._by_keys.get(keys)
        if found is None:
            serializer = super().get_signing_serializer(app)
            found = self._by_keys[keys] = (serializer, RememberedSignatures(
                lambda value: verified_payload(serializer, value), self._remembered))
        return found



def _copied(value):
    """A deep copy of what a session cookie can carry: containers are copied, and everything
    else Flask's tagged JSON gives back (text, numbers, bytes, dates, UUIDs, Markup) is immutable.
    copy.deepcopy, which asks every value how to copy it, cost four times as much."""
    kind = type(value)
    if kind is dict:
        return {key: _copied(item) for key, item in value.items()}
    if kind is list:
        return [_copied(item) for item in value]
    if kind is tuple:
        return tuple(_copied(item) for item in value)
    return value
