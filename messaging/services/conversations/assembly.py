"""Read-model assembly: turn rows into the plain values both front ends render.

A page costs the same few queries however long it grows: the participants of every listed
conversation come with its row, as one JSON value (:func:`participants_column`), and a thread is
two statements: the conversation with its participants, then its shown messages with their attachments.
"""
from collections import defaultdict, namedtuple
from dataclasses import dataclass, fields
from functools import partial

from sqlalchemy import Label, Select, case, select
from sqlalchemy.orm import Session

from messaging.identity import Principal
from messaging.json_rows import json_rows, loaded_json_rows
from messaging.models import (
    Conversation,
    ConversationParticipant,
    ConversationStatus,
    ConversationType,
    Customer,
    Message,
    MessageAttachment,
    ParticipantType,
    User,
)
from messaging.models.enums import USER_PARTICIPANT_TYPES
from messaging.prepared_statements import PreparedStatement, parameter
from messaging.services.conversations.context import context_of
from messaging.services.conversations.scope import (
    SCOPED_WIDTH,
    ConversationRow,
    ScopedConversation,
    as_scoped,
    caller_parameters,
    scoped_by_id,
)
from messaging.services.conversations.validation import THREAD_PAGE_SIZE
from messaging.services.errors import NotFound
from messaging.services.names import UNKNOWN_NAME, resolve_names
from messaging.services.read_models import (
    AttachmentInfo,
    ConversationSummary,
    EscalationInfo,
    MessageItem,
    ParticipantRef,
    VendorRef,
)

ParticipantKey = tuple[ParticipantType, int]

# A participant's display name: a user's or a customer's, by participant type. Two scalar lookups
# under a CASE, so each participant reads only the table its type names; as two outer joins,
# PostgreSQL looked each participant up in both tables and dropped one row after the lookup (an
# inbox page's participants: 0.27 ms and 337 buffers, against 0.16 ms and 216).
_PARTICIPANT_NAME = case(
    (ConversationParticipant.participant_type.in_(USER_PARTICIPANT_TYPES),
     select(User.full_name).where(User.id == ConversationParticipant.participant_id).scalar_subquery()),
    else_=select(Customer.full_name).where(Customer.id == ConversationParticipant.participant_id).scalar_subquery(),
)


def participants_column(of=Conversation.id) -> Label:
    """The participants of the conversation ``of`` with their names, as one JSON value: [row id,
    type, id, name] of each. ``of`` is the id column of a statement that reads ``conversations``
    (each row of an inbox page gets its own), or a parameter (one value for the whole statement)."""
    return (
        select(json_rows(ConversationParticipant.id, ConversationParticipant.participant_type,
                         ConversationParticipant.participant_id, _PARTICIPANT_NAME))
        .where(ConversationParticipant.conversation_id == of)
        .correlate(Conversation)
        .scalar_subquery()
        .label("participants")
    )


_PARTICIPANT_TYPES = {member.value: member for member in ParticipantType}


def participants_from(value) -> list[ParticipantRef]:
    """The participants :func:`participants_column` gave, in the order they joined."""
    entries = loaded_json_rows(value)
    entries.sort()  # by participant row id, which is unique: nothing after it is compared
    return [ParticipantRef(_PARTICIPANT_TYPES[kind], participant_id, name or UNKNOWN_NAME)
            for _, kind, participant_id, name in entries]


# A message's attachment as the thread reads it: the columns :func:`attachment_info` needs.
AttachmentRow = namedtuple("AttachmentRow", ["id", "message_id", "original_filename", "content_type",
                                             "size_bytes", "is_image"])
_MESSAGE_COLUMNS = tuple(Message.__table__.columns)
MessageRow = namedtuple("MessageRow", [column.key for column in _MESSAGE_COLUMNS])


def _page_statement(before_a_message: bool) -> Select:
    """A page of a thread's messages, newest first and one more than shown, each with its attachments in order."""
    window = select(Message.id).where(Message.conversation_id == parameter("conversation_id"))
    if before_a_message:
        window = window.where(Message.id < parameter("before_message_id"))
    window = window.order_by(Message.id.desc()).limit(THREAD_PAGE_SIZE + 1)
    return (
        select(*_MESSAGE_COLUMNS, *(getattr(MessageAttachment, name).label(f"attachment_{name}")
                                    for name in AttachmentRow._fields))
        .outerjoin(MessageAttachment, MessageAttachment.message_id == Message.id)
        .where(Message.id.in_(window.scalar_subquery()))
        .order_by(Message.id.desc(), MessageAttachment.id)
    )


def _scoped_with_participants_statement(principal_type: ParticipantType) -> Select:
    """The conversation as the caller may see it (no row when it is out of their scope), with its participants."""
    return scoped_by_id(principal_type).add_columns(participants_column())


# Showing a thread reads the conversation, then its page of messages: two statements, so that the
# conversation's 26 columns come back once rather than beside each message row (as one statement, a
# thread of 63 messages returned them 63 times: 0.77 ms on SQLite against 0.28 for the two).
# A thread page's first read: the sign-in check may ride on it (messaging/carried_checks.py).
_SCOPED_WITH_PARTICIPANTS = {principal_type: PreparedStatement(partial(_scoped_with_participants_statement,
                                                                       principal_type), carries_checks=True)
                             for principal_type in ParticipantType}
_PAGE = {before: PreparedStatement(partial(_page_statement, before)) for before in (False, True)}
# Where a page row's message and attachment are.
_PAGE_MESSAGE_COLUMNS = slice(0, len(_MESSAGE_COLUMNS))
_PAGE_ATTACHMENT_COLUMNS = slice(len(_MESSAGE_COLUMNS), len(_MESSAGE_COLUMNS) + len(AttachmentRow._fields))


@dataclass(frozen=True)
class ThreadPage:
    # The newest messages of the page and one more, newest first.
    newest_first: list[MessageRow]
    attachments: dict[int, list[AttachmentRow]]
    participants: list[ParticipantRef]


def scoped_thread(session: Session, principal: Principal, conversation_id: int, *,
                  before_message_id: int | None = None) -> tuple[ScopedConversation, ThreadPage]:
    """The conversation if ``principal`` may see it (NotFound otherwise, whether it exists or not), and its
    newest messages (before one, if given) with their attachments and its participants."""
    scoped_rows = _SCOPED_WITH_PARTICIPANTS[principal.type].rows(
        session, conversation_id=conversation_id, **caller_parameters(principal))
    if not scoped_rows:
        raise NotFound()
    page_parameters = {"conversation_id": conversation_id}
    if before_message_id is not None:
        page_parameters["before_message_id"] = before_message_id
    rows = _PAGE[before_message_id is not None].rows(session, **page_parameters)
    messages: list[MessageRow] = []
    attachments: dict[int, list[AttachmentRow]] = defaultdict(list)
    for row in rows:
        if not messages or messages[-1].id != row[0]:
            messages.append(MessageRow._make(row[_PAGE_MESSAGE_COLUMNS]))
        attachment = row[_PAGE_ATTACHMENT_COLUMNS]
        if attachment[0] is not None:
            attachments[row[0]].append(AttachmentRow._make(attachment))
    first = scoped_rows[0]
    return as_scoped(first), ThreadPage(messages, attachments, participants_from(first[SCOPED_WIDTH]))


def sender_names(session: Session, messages: list[Message], participants: list[ParticipantRef]) -> dict:
    """Senders are participants (whoever writes joins); anyone else, say a removed row, is looked up."""
    names = {(ref.type, ref.id): ref.name for ref in participants}
    missing = {(m.sender_type, m.sender_id) for m in messages} - names.keys()
    if missing:
        names.update(resolve_names(session, missing))
    return names


def summary_of(scoped: ScopedConversation, participants: list[ParticipantRef]) -> ConversationSummary:
    conversation = scoped.conversation
    names = {(ref.type, ref.id): ref.name for ref in participants}
    return ConversationSummary(
        id=conversation.id,
        conversation_type=ConversationType(conversation.conversation_type),
        subject=conversation.subject,
        status=ConversationStatus(conversation.status),
        vendor=VendorRef(conversation.vendor_id, scoped.vendor_name) if conversation.vendor_id else None,
        participants=participants,
        last_message_preview=conversation.last_message_preview,
        last_message_at=conversation.last_message_at,
        message_count=conversation.message_count,
        unread_count=scoped.unread_count,
        created_at=conversation.created_at,
        context=context_of(conversation.context_type, conversation.context_ref, conversation.context_label),
        escalation=escalation_of(conversation, names),
    )


def escalation_of(conversation: ConversationRow, names: dict[ParticipantKey, str]) -> EscalationInfo | None:
    """Who escalated and who resolved take part by doing so, so their names are among the participants'."""
    if conversation.escalated_at is None:
        return None
    escalated_by = (ParticipantType(conversation.escalated_by_type), conversation.escalated_by_id)
    resolved_by = (ParticipantType.ADMIN, conversation.resolved_by_id) if conversation.resolved_at else None
    return EscalationInfo(
        escalated_by=ParticipantRef(*escalated_by, names.get(escalated_by, "")),
        escalated_at=conversation.escalated_at,
        reason=conversation.escalation_reason or "",
        resolved_by=ParticipantRef(*resolved_by, names.get(resolved_by, "")) if resolved_by else None,
        resolved_at=conversation.resolved_at,
    )


def summary_fields(summary: ConversationSummary) -> dict:
    """The summary's own fields (not copied deeply), to build a detail around it."""
    return {item.name: getattr(summary, item.name) for item in fields(ConversationSummary)}


def message_item(message: MessageRow, sender_name: str,
                 attachments: list[MessageAttachment | AttachmentRow]) -> MessageItem:
    return MessageItem(
        id=message.id,
        conversation_id=message.conversation_id,
        sender=ParticipantRef(message.sender_type, message.sender_id, sender_name),
        content=message.content,
        is_system_message=message.is_system_message,
        created_at=message.created_at,
        attachments=[attachment_info(a, message.conversation_id) for a in attachments],
    )


def attachment_info(attachment: MessageAttachment | AttachmentRow, conversation_id: int) -> AttachmentInfo:
    return AttachmentInfo(
        id=attachment.id,
        conversation_id=conversation_id,
        message_id=attachment.message_id,
        filename=attachment.original_filename,
        content_type=attachment.content_type,
        size_bytes=attachment.size_bytes,
        is_image=attachment.is_image,
    )
