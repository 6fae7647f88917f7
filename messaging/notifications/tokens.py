"""Signed tokens in notification emails: the unsubscribe link and the reply address.

Both name one participant row, which is one person in one conversation, and the
conversation again; the signature (salted per purpose, keyed by SECRET_KEY) means
neither can be guessed, nor edited to point at another person or conversation.
"""
import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, Signer, URLSafeSerializer

UNSUBSCRIBE_SALT = "email-notifications.unsubscribe"
REPLY_SALT = "email-notifications.reply"
# reply+<participant>-<conversation>-<issued, base 36>-<signature, base 32>
_REPLY_TOKEN = re.compile(r"^(\d+)-(\d+)-([0-9a-z]+)-([a-z2-7]{26})$")


@dataclass(frozen=True)
class ParticipantToken:
    participant_id: int
    conversation_id: int


def unsubscribe_token(participant_id: int, conversation_id: int) -> str:
    return _unsubscribe_serializer().dumps([participant_id, conversation_id])


def read_unsubscribe_token(token: str) -> ParticipantToken | None:
    try:
        participant_id, conversation_id = _unsubscribe_serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(participant_id, int) or not isinstance(conversation_id, int):
        return None
    return ParticipantToken(participant_id, conversation_id)


def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def reply_token(participant_id: int, conversation_id: int, *, issued_at: float | None = None) -> str:
    issued = int(time.time() if issued_at is None else issued_at)
    payload = f"{participant_id}-{conversation_id}-{_base36(issued)}"
    return f"{payload}-{_reply_signature(payload)}"


def read_reply_token(token: str, *, now: float | None = None) -> ParticipantToken | None:
    """The participant a reply address names, or None if forged, altered or expired."""
    match = _REPLY_TOKEN.match((token or "").lower())
    if match is None:
        return None
    participant_id, conversation_id, issued, signature = match.groups()
    payload = f"{participant_id}-{conversation_id}-{issued}"
    if not hmac.compare_digest(signature, _reply_signature(payload)):
        return None
    age = (time.time() if now is None else now) - int(issued, 36)
    if age > current_app.config["REPLY_TOKEN_MAX_AGE_SECONDS"]:
        return None
    return ParticipantToken(int(participant_id), int(conversation_id))


def reply_address(participant_id: int, conversation_id: int) -> str | None:
    domain = current_app.config["MAIL_REPLY_DOMAIN"]
    if not domain:
        return None
    return f"reply+{reply_token(participant_id, conversation_id)}@{domain}"


def _reply_signature(payload: str) -> str:
    # Mail systems may change the case of an address's local part, so this signature is
    # lowercase base 32 of an HMAC under itsdangerous's salted key, not its base 64 form.
    key = Signer(current_app.config["SECRET_KEY"], salt=REPLY_SALT, digest_method=hashlib.sha256).derive_key()
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()[:16]
    return base64.b32encode(digest).decode().rstrip("=").lower()


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, remainder = divmod(number, 36)
        text = digits[remainder] + text
        if number == 0:
            return text
