"""Read-model assembly: turn rows into the plain values both front ends render.

Each function loads what a whole page needs in one query (participants of every listed
conversation, attachments of every shown message), so queries stay constant as pages grow.
"""
from collections import defaultdict
from dataclasses import fields

from sqlalchemy import select
from sqlalchemy.orm import Session

from messaging.models import (
    Conversation,
    ConversationParticipant,
    ConversationStatus,
    ConversationType,
    Message,
    MessageAttachment,
    ParticipantType,
    Vendor,
)
from messaging.services.conversations.context import context_of
from messaging.services.read_models import (
    AttachmentInfo,
    ConversationSummary,
    EscalationInfo,
    MessageItem,
    ParticipantRef,
    VendorRef,
)

ParticipantKey = tuple[ParticipantType, int]


def participants_of(session: Session, conversation_ids: list[int]) -> dict[int, list[ParticipantKey]]:
    participants: dict[int, list[ParticipantKey]] = defaultdict(list)
    if not conversation_ids:
        return participants
    rows = session.execute(
        select(
            ConversationParticipant.conversation_id,
            ConversationParticipant.participant_type,
            ConversationParticipant.participant_id,
        )
        .where(ConversationParticipant.conversation_id.in_(conversation_ids))
        .order_by(ConversationParticipant.id)
    ).all()
    for conversation_id, participant_type, participant_id in rows:
        participants[conversation_id].append((participant_type, participant_id))
    return participants


def attachments_of(session: Session, message_ids: list[int]) -> dict[int, list[MessageAttachment]]:
    by_message: dict[int, list[MessageAttachment]] = defaultdict(list)
    if not message_ids:
        return by_message
    for attachment in session.scalars(
        select(MessageAttachment).where(MessageAttachment.message_id.in_(message_ids)).order_by(MessageAttachment.id)
    ):
        by_message[attachment.message_id].append(attachment)
    return by_message


def vendor_refs(session: Session, vendor_ids: set[int]) -> dict[int, VendorRef]:
    vendor_ids = vendor_ids - {None}
    if not vendor_ids:
        return {}
    rows = session.execute(select(Vendor.id, Vendor.name).where(Vendor.id.in_(vendor_ids))).all()
    return {vendor_id: VendorRef(vendor_id, name) for vendor_id, name in rows}


def summary_of(
    conversation: Conversation,
    unread_count: int,
    participant_keys: list[ParticipantKey],
    names: dict[ParticipantKey, str],
    vendors: dict[int, VendorRef],
) -> ConversationSummary:
    return ConversationSummary(
        id=conversation.id,
        conversation_type=ConversationType(conversation.conversation_type),
        subject=conversation.subject,
        status=ConversationStatus(conversation.status),
        vendor=vendors.get(conversation.vendor_id) if conversation.vendor_id else None,
        participants=[ParticipantRef(kind, key, names[(kind, key)]) for kind, key in participant_keys],
        last_message_preview=conversation.last_message_preview,
        last_message_at=conversation.last_message_at,
        message_count=conversation.message_count,
        unread_count=int(unread_count),
        created_at=conversation.created_at,
        context=context_of(conversation.context_type, conversation.context_ref, conversation.context_label),
        escalation=escalation_of(conversation, names),
    )


def escalation_of(conversation: Conversation, names: dict[ParticipantKey, str]) -> EscalationInfo | None:
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


def message_item(message: Message, sender_name: str, attachments: list[MessageAttachment]) -> MessageItem:
    return MessageItem(
        id=message.id,
        conversation_id=message.conversation_id,
        sender=ParticipantRef(message.sender_type, message.sender_id, sender_name),
        content=message.content,
        is_system_message=message.is_system_message,
        created_at=message.created_at,
        attachments=[attachment_info(a, message.conversation_id) for a in attachments],
    )


def attachment_info(attachment: MessageAttachment, conversation_id: int) -> AttachmentInfo:
    return AttachmentInfo(
        id=attachment.id,
        conversation_id=conversation_id,
        message_id=attachment.message_id,
        filename=attachment.original_filename,
        content_type=attachment.content_type,
        size_bytes=attachment.size_bytes,
        is_image=attachment.is_image,
    )
