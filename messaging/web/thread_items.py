"""The rows of a thread as people read them: messages with day separators and a "New" divider.

The view reads the conversation *before* marking it read, so the caller's unread count
still says how many of the latest messages they have not seen; the divider goes before
the first of them (their own messages never count as unread, so they are skipped).

Each message is a :class:`PrintedMessage`, exactly what its partial (``messages/_message.html``)
prints, so a message is printed once for those values and reused by every later view of the
thread that shows it the same way (:mod:`messaging.web.printed_once`).
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, request
from markupsafe import Markup

from messaging.clock import utcnow
from messaging.identity import Principal
from messaging.roles import RolePages
from messaging.services.read_models import AttachmentInfo, MessageItem
from messaging.web.printed_once import printed_from

MESSAGE_TEMPLATE = "messages/_message.html"
FIRST_UNREAD_ANCHOR = "first-unread"
LATEST_ANCHOR = "latest"


@dataclass(frozen=True)
class DayDivider:
    day: date
    label: str
    kind: str = "day"


@dataclass(frozen=True)
class NewDivider:
    count: int
    kind: str = "new"


@dataclass(frozen=True, slots=True)
class PrintedMessage:
    """Everything one message prints (with its role's pages): the key its markup is reused by."""

    id: int
    conversation_id: int
    # "You" on the reader's own messages.
    sender_label: str
    mine: bool
    created_at: datetime
    content: str
    is_system_message: bool
    attachments: tuple[AttachmentInfo, ...]

    @classmethod
    def of(cls, message: MessageItem, principal: Principal) -> "PrintedMessage":
        mine = message.sender.type == principal.type and message.sender.id == principal.id
        return cls(message.id, message.conversation_id, "You" if mine else message.sender.name, mine,
                   message.created_at, message.content, message.is_system_message, tuple(message.attachments))


@dataclass(frozen=True)
class MessageRow:
    message: PrintedMessage
    kind: str = "message"


def day_label(day: date, today: date) -> str:
    if day == today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    if day.year == today.year:
        return day.strftime("%A %-d %B")
    return day.strftime("%-d %B %Y")


def first_unread_index(messages: list[MessageItem], principal: Principal, unread_count: int) -> int | None:
    """Index of the first message the caller has not read, or None when everything is read."""
    if unread_count <= 0:
        return None
    remaining = unread_count
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].sender.type == principal.type and messages[index].sender.id == principal.id:
            continue
        remaining -= 1
        if remaining == 0:
            return index
    return 0 if messages else None  # more unread than this page holds: they begin before it


def thread_rows(messages: list[MessageItem], principal: Principal, unread_count: int = 0,
                now: datetime | None = None) -> list:
    """Messages in order, a DayDivider where the day changes, a NewDivider before the first unread."""
    today = (now or utcnow()).date()
    new_at = first_unread_index(messages, principal, unread_count)
    rows, previous_day = [], None
    for index, message in enumerate(messages):
        day = message.created_at.date()
        if day != previous_day:
            rows.append(DayDivider(day, day_label(day, today)))
            previous_day = day
        if index == new_at:
            rows.append(NewDivider(len(messages) - index))
        rows.append(MessageRow(PrintedMessage.of(message, principal)))
    return rows


def printed_message(message: PrintedMessage, pages: RolePages) -> Markup:
    template = current_app.jinja_env.get_template(MESSAGE_TEMPLATE)
    # Attachment links depend on where the app is mounted (script_root).
    key = (pages.blueprint_name, request.script_root, message)
    return printed_from(template, key, message=message, pages=pages)


def open_anchor(unread_count: int) -> str:
    """Where a link to a thread should land: its first unread message, or its newest."""
    return FIRST_UNREAD_ANCHOR if unread_count > 0 else LATEST_ANCHOR
