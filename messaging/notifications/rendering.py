"""One notification email from its content: subject, HTML and text parts, threading and list headers.

Templates are ``templates/emails/new_messages.{txt,html}``; they are rendered through the
app's Jinja environment directly, without the page context processors (no request, no user).
"""
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formataddr, parseaddr

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
    email = EmailMultiAlternatives(
        subject=f"New message: {notification.subject}",
        body=text_body,
        from_email=from_header,
        to=[formataddr((notification.recipient_name, notification.recipient_email))],
        reply_to=[notification.reply_address] if notification.reply_address else None,
        headers=headers,
        connection=connection,
    )
    email.attach_alternative(html_body, "text/html")
    return email
