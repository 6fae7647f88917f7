"""Replies by email: one raw message in, at most one message posted into its thread.

The reply address ``reply+<token>@MAIL_REPLY_DOMAIN`` names the participant (signed, see
:mod:`.tokens`); the message is posted as that participant through ``send_message``,
so every rule of the app applies. Nothing is posted for a forged, altered or expired
token, a sender other than the participant, an automatic reply, or a Message-ID seen
before. Refusals the person can act on (closed conversation, file too large or of a
refused type, nothing to post) get one short bounce; automatic mail never gets one.
"""
import hashlib
import html
import io
import logging
import re
import smtplib
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from email_reply_parser import EmailReplyParser
from flask import current_app
from flask_mailman import EmailMessage as OutgoingEmail
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from messaging.clock import utcnow
from messaging.extensions import db
from messaging.models import Conversation, ConversationParticipant, Customer, ParticipantType, User
from messaging.models.notifications import InboundEmail
from messaging.notifications import tokens
from messaging.notifications.mail import mail_connection
from messaging.services import messaging_service
from messaging.services.accounts import restore_principal
from messaging.services.errors import (
    ConversationClosed,
    FileTooLarge,
    InvalidInput,
    MessagingError,
    UnsupportedFileType,
)

log = logging.getLogger(__name__)

# Refusals the sender can do something about: they get a bounce saying why.
BOUNCED_REFUSALS = (ConversationClosed, FileTooLarge, UnsupportedFileType, InvalidInput)
_AUTO_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto[- ]?reply|autoreply|away from|abwesenheit|réponse automatique)",
    re.IGNORECASE,
)


class Outcome:
    POSTED = "posted"
    DUPLICATE = "duplicate"
    AUTO_REPLY = "auto_reply"
    BAD_TOKEN = "bad_token"
    WRONG_SENDER = "wrong_sender"
    REFUSED = "refused"


@dataclass(frozen=True)
class InboundResult:
    outcome: str
    detail: str = ""
    message_id: int | None = None
    bounced: bool = False


@dataclass
class _Attachment:
    """What the attachment service needs of an upload (werkzeug's FileStorage has the same)."""

    filename: str
    stream: io.BytesIO


def receive_email(raw: bytes, envelope_recipients: list[str] | tuple[str, ...] = ()) -> InboundResult:
    """Handle one inbound email; the database errors that deserve a retry propagate."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    if is_automatic(message):
        return InboundResult(Outcome.AUTO_REPLY, "automatic reply, not answered")
    message_key = _message_key(message, raw)
    if _seen(message_key):
        return InboundResult(Outcome.DUPLICATE, "this Message-ID was received before")

    token = _reply_token(message, envelope_recipients)
    claim = tokens.read_reply_token(token) if token else None
    participant = db.session.get(ConversationParticipant, claim.participant_id) if claim else None
    if participant is None or participant.conversation_id != claim.conversation_id:
        return _record(message_key, InboundResult(Outcome.BAD_TOKEN, "no valid reply address"))
    conversation = db.session.get(Conversation, participant.conversation_id)
    account = _account(participant)
    sender_address = parseaddr(str(message.get("From", "")))[1].strip().lower()
    principal = restore_principal(participant.participant_type, participant.participant_id, conversation.vendor_id)
    if account is None or principal is None or sender_address != account.email.lower():
        return _record(message_key, InboundResult(Outcome.WRONG_SENDER, f"{sender_address or 'no sender'} may not post here"))

    content = reply_text(message)
    uploads = [_Attachment(name, io.BytesIO(data)) for name, data in attachments(message)]
    inbound = InboundEmail(message_key=message_key, received_at=utcnow(), outcome=Outcome.POSTED)
    db.session.add(inbound)
    try:
        db.session.flush()
        posted = messaging_service().send_message(principal, conversation.id, content, uploads)
        inbound.message_id = posted.id
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return InboundResult(Outcome.DUPLICATE, "this Message-ID was received at the same time")
    except BOUNCED_REFUSALS as refusal:
        db.session.rollback()
        result = _record(message_key, InboundResult(Outcome.REFUSED, refusal.message))
        _bounce(message, account.email, conversation.subject, refusal.message)
        return InboundResult(result.outcome, result.detail, bounced=True)
    except MessagingError as refusal:
        # Out of the participant's reach now (e.g. no longer staff): nothing to tell a stranger.
        db.session.rollback()
        return _record(message_key, InboundResult(Outcome.REFUSED, refusal.message))
    except Exception:
        db.session.rollback()
        raise
    return InboundResult(Outcome.POSTED, f"posted in conversation {conversation.id}", message_id=posted.id)


def is_automatic(message: EmailMessage) -> bool:
    """Vacation responders, bounces and list mail (RFC 3834 and common practice)."""
    auto_submitted = str(message.get("Auto-Submitted", "no")).strip().lower()
    if auto_submitted != "no":
        return True
    if str(message.get("Precedence", "")).strip().lower() in ("bulk", "junk", "list", "auto_reply"):
        return True
    if any(message.get(name) for name in ("X-Autoreply", "X-Autorespond", "List-Id")):
        return True
    if str(message.get("Return-Path", "")).strip() == "<>":
        return True
    return bool(_AUTO_SUBJECT.match(str(message.get("Subject", ""))))


def reply_text(message: EmailMessage) -> str:
    """The new part of a reply: quoted history and signature removed."""
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    text = body.get_content()
    if body.get_content_subtype() == "html":
        text = _html_to_text(text)
    return EmailReplyParser.parse_reply(text).strip()


def attachments(message: EmailMessage) -> list[tuple[str, bytes]]:
    found = []
    for part in message.iter_attachments():
        filename = part.get_filename()
        if not filename:
            continue
        # Images embedded in a signature (inline, referenced by Content-ID) are not attachments.
        if part.get_content_disposition() != "attachment" and part.get("Content-ID"):
            continue
        data = part.get_payload(decode=True) or b""
        found.append((filename, data))
    return found


def _reply_token(message: EmailMessage, envelope_recipients) -> str | None:
    domain = (current_app.config["MAIL_REPLY_DOMAIN"] or "").lower()
    if not domain:
        return None
    addresses = list(envelope_recipients)
    for header in ("Delivered-To", "X-Original-To", "To", "Cc"):
        addresses += [address for _, address in getaddresses([str(v) for v in message.get_all(header, [])])]
    for address in addresses:
        local, _, address_domain = address.strip().strip("<>").rpartition("@")
        if address_domain.lower() == domain and local.lower().startswith("reply+"):
            return local[len("reply+"):]
    return None


def _account(participant: ConversationParticipant) -> User | Customer | None:
    model = Customer if participant.participant_type == ParticipantType.CUSTOMER else User
    return db.session.get(model, participant.participant_id)


def _message_key(message: EmailMessage, raw: bytes) -> str:
    message_id = str(message.get("Message-ID", "")).strip()
    return hashlib.sha256(message_id.encode() if message_id else raw).hexdigest()


def _seen(message_key: str) -> bool:
    return db.session.scalar(select(InboundEmail.id).where(InboundEmail.message_key == message_key)) is not None


def _record(message_key: str, result: InboundResult) -> InboundResult:
    db.session.add(InboundEmail(message_key=message_key, received_at=utcnow(), outcome=result.outcome))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return InboundResult(Outcome.DUPLICATE, "this Message-ID was received at the same time")
    log.info("inbound email %s: %s", result.outcome, result.detail)
    return result


def _bounce(original: EmailMessage, address: str, subject: str, reason: str) -> None:
    """One short answer saying why; marked automatic, so no responder answers it back."""
    original_id = str(original.get("Message-ID", "")).strip()
    headers = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
    if original_id:
        headers["In-Reply-To"] = original_id
        headers["References"] = original_id
    body = (
        f"Your email reply to \"{subject}\" was not posted:\n\n    {reason}\n\n"
        "Nothing else needs doing; open the conversation in the app to continue.\n"
    )
    email = OutgoingEmail(
        subject=f"Not posted: {subject}", body=body, to=[address], headers=headers, connection=mail_connection()
    )
    try:
        email.send()
    except (OSError, smtplib.SMTPException) as error:
        log.warning("bounce to %s not sent: %s", address, error)


def _html_to_text(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", "", markup)
    markup = re.sub(r"(?is)<blockquote\b.*?</blockquote>", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", markup)
    return html.unescape(re.sub(r"<[^>]+>", "", markup))
