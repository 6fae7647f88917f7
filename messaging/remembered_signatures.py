"""Signed values (session cookies, API tokens) whose signature was checked once, remembered.

A client sends the same cookie or bearer token with every request, and checking it from scratch
(the HMAC key derived, base64 undone, the signature computed and compared) cost about a sixth
of a badge poll. A value whose signature verified is remembered with its signing time and what
it carries, a bounded number of them, the least recently used forgotten first; the same value
again is not checked again. Its age is checked on every request, as itsdangerous checks it, and
a value never seen (or forgotten) is checked in full. A remembered value is only ever a string
that this process's key signed; a new key means a restarted process, which remembers nothing.
"""
import time
from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from typing import Generic, TypeVar

from itsdangerous import BadData

Carried = TypeVar("Carried")

REMEMBERED = 4096


class RememberedSignatures(Generic[Carried]):
    def __init__(self, verify: Callable[[str], tuple[int, Carried] | None], remembered: int = REMEMBERED):
        """``verify(value)`` checks a value's signature: its signing time (epoch seconds) and what it
        carries, or None when the signature is wrong."""
        self._verify = verify
        self._remembered = remembered
        self._verified: OrderedDict[str, tuple[int, Carried]] = OrderedDict()
        self._lock = Lock()

    def carried(self, value: str, max_age: float) -> Carried | None:
        """What a validly signed value carries, or None when it is forged or older than ``max_age`` seconds.

        Every request with the same value gets the same object: read it, never change it."""
        with self._lock:
            verified = self._verified.get(value)
            if verified is not None:
                self._verified.move_to_end(value)
        if verified is None:
            verified = self._verify(value)
            if verified is None:
                return None
            with self._lock:
                self._verified[value] = verified
                if len(self._verified) > self._remembered:
                    self._verified.popitem(last=False)
        signed_at, carried = verified
        if not 0 <= time.time() - signed_at <= max_age:  # as itsdangerous's SignatureExpired
            return None
        return carried

    def __len__(self) -> int:
        return len(self._verified)


def verified_payload(serializer, value: str) -> tuple[int, object] | None:
    """The signing time of an itsdangerous timed value and what it carries, or None if it is forged
    (its age is for the caller to check: :class:`RememberedSignatures` checks it at every use)."""
    try:
        signed, signed_at = serializer.make_signer(serializer.salt).unsign(value, return_timestamp=True)
        return int(signed_at.timestamp()), serializer.load_payload(signed)
    except BadData:  # a wrong signature, or a signed payload that does not parse
        return None
