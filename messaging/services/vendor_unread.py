"""Unread messages of a vendor user at each of their vendors, for the header's "Acting for" switcher.

One grouped query whatever the number of vendors; the same scope as the badge
(:meth:`MessagingService.get_unread_count`) would give acting for each vendor in turn.
"""
from sqlalchemy import func, select

from messaging.extensions import db
from messaging.identity import Principal
from messaging.models import Conversation, ConversationParticipant, ParticipantType
from messaging.roles import VENDOR


def unread_by_vendor(principal: Principal, vendor_ids: list[int]) -> dict[int, int]:
    if principal.type != ParticipantType.VENDOR or not vendor_ids:
        return {}
    policy = VENDOR.policy
    rows = db.session.execute(
        select(Conversation.vendor_id, func.sum(ConversationParticipant.unread_count))
        .join(Conversation, Conversation.id == ConversationParticipant.conversation_id)
        .where(
            ConversationParticipant.participant_type == principal.type,
            ConversationParticipant.participant_id == principal.id,
            ConversationParticipant.unread_count > 0,
            Conversation.conversation_type.in_(policy.visible_types),
            Conversation.vendor_id.in_(vendor_ids),
        )
        .group_by(Conversation.vendor_id)
    ).all()
    counts = {vendor_id: 0 for vendor_id in vendor_ids}
    counts.update({vendor_id: int(total or 0) for vendor_id, total in rows})
    return counts
