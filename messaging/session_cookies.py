"""Flask's signed-cookie session, each distinct cookie's signature checked once per process.

An open page sends the same session cookie with every poll of its badge, and Flask checked it
from scratch each time: a new serializer, the HMAC key derived again, base64 and zlib undone,
the signature computed and compared, the timestamp decoded. That was 0.1 ms of a badge poll
that otherwise cost about 0.6 ms. A verified cookie is remembered with the session as it was
serialized (:mod:`messaging.remembered_signatures`); every request decodes its own session from
that text, so nothing a request changes in its session reaches another one.
"""
import zlib

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature
from itsdangerous.encoding import base64_decode

from messaging.remembered_signatures import REMEMBERED, RememberedSignatures


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
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        serialized = verified.carried(value, app.permanent_session_lifetime.total_seconds())
        if serialized is None:
            return self.session_class()  # forged or expired, as Flask's own interface answers
        return self.session_class(self.serializer.loads(serialized))

    def _for_keys(self, app: Flask) -> tuple:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        found = self._by_keys.get(keys)
        if found is None:
            serializer = super().get_signing_serializer(app)
            found = self._by_keys[keys] = (serializer, RememberedSignatures(
                lambda value: _verified_cookie(serializer, value), self._remembered))
        return found


def _verified_cookie(serializer, value: str) -> tuple[int, str] | None:
    """The signing time and the session as the serializer wrote it (base64 undone, and zlib if it was
    compressed, as itsdangerous's URL-safe serializer does before it parses), or None if forged."""
    try:
        signed, signed_at = serializer.make_signer(serializer.salt).unsign(value, return_timestamp=True)
    except BadSignature:
        return None
    compressed = signed.startswith(b".")
    data = base64_decode(signed[1:] if compressed else signed)
    return int(signed_at.timestamp()), (zlib.decompress(data) if compressed else data).decode("utf-8")
