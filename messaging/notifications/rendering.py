"""One notification email from its content: subject, HTML and text parts, threading and list headers.

Templates are ``templates/emails/new_messages.{txt,html}``; they are rendered through the
app's Jinja environment directly, without the page context processors (no request, no user).
"""
from dataclasses import dataclass, field
from datetime import datetime
from email.policy import Compat32
from email.utils import formataddr, parseaddr
from uuid import uuid4

from flask import current_app
from flask_mailman import EmailMultiAlternatives

from messaging.models import ParticipantType


@dataclass(frozen=True)
class AnnouncedMessage:
    sender_label: str
    created_at: datetime
    content: str
    attachment_names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NotificationEmail:
    outbox_id: int
    conversation_id: int
    subject: str
    recipient_name: str
    recipient_email: str
    messages: list[AnnouncedMessage]
    thread_url: str
    unsubscribe_url: str
    one_click_unsubscribe_url: str
    reply_address: str | None


def sender_label(sender_type: ParticipantType, name: str, vendor_name: str | None) -> str:
    """How a sender is introduced: "Vera from Acme Tools", "Marketplace support", or a shopper's name."""
    if sender_type == ParticipantType.ADMIN:
        return "Marketplace support"
    if sender_type == ParticipantType.VENDOR and vendor_name:
        return f"{name} from {vendor_name}"
    return name


def thread_message_id(conversation_id: int, domain: str) -> str:
    """The Message-ID every email of a conversation refers to, so mail clients thread them together."""
    return f"<conversation-{conversation_id}@{domain}>"


def notification_message_id(outbox_id: int, domain: str) -> str:
    # Fixed per outbox row: a re-sent email (after a crash) is recognisably the same one.
    return f"<notification-{outbox_id}@{domain}>"


class _UnfoldedAsciiHeaders(Compat32):
    """The email package's default policy, but a plain ASCII header shorter than RFC 5322's
    998-character line limit is written as it is instead of through `email.header.Header`,
    which folds at 78 and cost half of a worker's time turning an email into bytes. Anything
    else (encoded words, non-ASCII, an overlong line) still goes the standard way."""

    def _fold(self, name, value, sanitize):
        if (isinstance(value, str) and value.isascii() and "\n" not in value and "\r" not in value
                and len(name) + len(value) < 990):
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


UNFOLDED_ASCII_HEADERS = _UnfoldedAsciiHeaders()


@dataclass(frozen=True)
class FrozenEmail:
    sender: str
    recipients: list[str]
    data: bytes


def envelope_address(address: str) -> str:
    """A bare address for the SMTP envelope, its domain in IDNA ("bücher.example" -> "xn--bcher-kva.example").
    The headers keep the names; working the envelope out of them again (Flask-Mailman parses
    every address of every email with the email package's full header parser) cost a tenth of
    a worker's time."""
    local_part, _, domain = address.rpartition("@")
    if "\n" in address or "\r" in address or not local_part:
        raise ValueError(f"Invalid address {address!r}")
    return f"{local_part}@{domain.encode('idna').decode('ascii')}"


class NotificationMessage(EmailMultiAlternatives):
    frozen: FrozenEmail | None = None

    def __init__(self, *, envelope_sender: str, envelope_recipient: str, **fields):
        super().__init__(**fields)
        self.envelope_sender = envelope_sender
        self.envelope_recipient = envelope_recipient

    def freeze(self) -> None:
        """Work out the envelope and the bytes now; the SMTP backend then sends them as they are."""
        self.frozen = FrozenEmail(
            sender=envelope_address(self.envelope_sender),
            recipients=[envelope_address(self.envelope_recipient)],
            data=self.message().as_bytes(linesep="\r\n"),
        )

    def message(self):
        message = super().message()
        message.policy = UNFOLDED_ASCII_HEADERS
        # Without a boundary the generator makes a random one and checks it against the whole text
        # with a regular expression compiled anew for every email; 122 random bits cannot collide.
        message.set_boundary(uuid4().hex)
        return message


def build_email(notification: NotificationEmail, *, domain: str, connection=None) -> EmailMultiAlternatives:
    context = {"email": notification, "subject": notification.subject}
    environment = current_app.jinja_env
    text_body = environment.get_template("emails/new_messages.txt").render(context)
    html_body = environment.get_template("emails/new_messages.html").render(context)
    latest_sender = notification.messages[-1].sender_label
    default_name, default_address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    from_header = formataddr((f"{latest_sender} via {default_name or 'Marketplace'}", default_address))
    headers = {
        "Message-ID": notification_message_id(notification.outbox_id, domain),
        "In-Reply-To": thread_message_id(notification.conversation_id, domain),
        "References": thread_message_id(notification.conversation_id, domain),
        "List-Unsubscribe": f"<{notification.one_click_unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        # RFC 3834: vacation responders must not answer, so no mail loop can start.
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
    }
    email = NotificationMessage(
        subject=f"New message: {notification.subject}",
        body=text_body,
        from_email=from_header,
        to=[formataddr((notification.recipient_name, notification.recipient_email))],
        envelope_sender=default_address,
        envelope_recipient=notification.recipient_email,
        reply_to=[notification.reply_address] if notification.reply_address else None,
        headers=headers,
        connection=connection,
    )
    email.attach_alternative(html_body, "text/html")
    return email
