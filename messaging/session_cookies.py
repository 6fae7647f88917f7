"""Flask's signed-cookie session, verifying each distinct cookie once per process.

An open page sends the same session cookie with every poll of its badge, and Flask checked it
from scratch each time: a new serializer, the HMAC key derived again, base64 and zlib undone,
the signature computed and compared, the timestamp decoded. That was 0.1 ms of a badge poll
that otherwise costs about 0.6 ms.

A cookie that verified is remembered (a bounded number of them, least recently used first out)
with its signing time and its payload, still serialized. The next request with exactly the same
cookie gets a fresh session decoded from that payload, so nothing a request changes in its session
reaches another one. The age limit is checked at every request, as before. A cookie that was
never seen, or was forgotten, is verified in full. A changed secret key means a restarted
process, which starts with nothing remembered.
"""
import time
import zlib
from collections import OrderedDict
from threading import Lock

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature
from itsdangerous.encoding import base64_decode

REMEMBERED_COOKIES = 4096


class RememberingCookieSessionInterface(SecureCookieSessionInterface):
    def __init__(self, remembered: int = REMEMBERED_COOKIES):
        self._remembered = remembered
        # cookie value -> (signed at, in epoch seconds; the session as serialized text)
        self._verified: OrderedDict[str, tuple[int, str]] = OrderedDict()
        self._lock = Lock()
        self._serializers: dict = {}

    def get_signing_serializer(self, app: Flask):
        # One per key set: building it (and deriving its keys) per request was a third of the cost.
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None and app.secret_key:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        with self._lock:
            remembered = self._verified.get(value)
            if remembered is not None:
                self._verified.move_to_end(value)
        if remembered is None:
            remembered = self._verify(serializer, value)
            if remembered is None:
                return self.session_class()
        signed_at, serialized = remembered
        if not 0 <= time.time() - signed_at <= max_age:
            return self.session_class()  # expired, as itsdangerous's SignatureExpired would say
        return self.session_class(self.serializer.loads(serialized))

    def _verify(self, serializer, value: str) -> tuple[int, str] | None:
        try:
            # Only the signature: the age is checked by the caller, here and on every later request.
            payload = serializer.make_signer(serializer.salt).unsign(value, return_timestamp=True)
        except BadSignature:
            return None
        signed, signed_at = payload
        remembered = (int(signed_at.timestamp()), _serialized(signed))
        with self._lock:
            self._verified[value] = remembered
            if len(self._verified) > self._remembered:
                self._verified.popitem(last=False)
        return remembered


def _serialized(signed: bytes) -> str:
    """A verified cookie's session as the serializer wrote it: base64 undone, and zlib if it was
    compressed (what itsdangerous's URL-safe serializer does before it parses)."""
    compressed = signed.startswith(b".")
    data = base64_decode(signed[1:] if compressed else signed)
    return (zlib.decompress(data) if compressed else data).decode("utf-8")
