"""The SQL of the access rules (decisions §2): what each role's policy lets it see.

The policies themselves are data in the role registry (:mod:`messaging.roles`). Every
conversation query goes through :func:`scope_clause`, so no caller can forget the rules;
what a role may not see simply does not exist for it (404).
"""
from sqlalchemy import and_, or_, true
from sqlalchemy.sql.elements import ColumnElement

from messaging.identity import Principal
from messaging.models import Conversation, ConversationParticipant
from messaging.roles import policy_for


def scope_clause(principal: Principal, own_row: type[ConversationParticipant]) -> ColumnElement:
    """SQL condition on ``Conversation`` (outer-joined to the caller's ``own_row``) for what they may see."""
    policy = policy_for(principal)
    conditions = [Conversation.conversation_type.in_(policy.visible_types)]
    if policy.scoped_to_vendor:
        if principal.vendor_id is None:
            return ~true()
        conditions.append(Conversation.vendor_id == principal.vendor_id)
    if policy.participants_only:
        conditions.append(own_row.id.is_not(None))
    visible = and_(*conditions)
    if policy.mediated_types:
        # decisions §7: a mediator sees such a conversation while it is escalated, or once they took part.
        visible = or_(visible, and_(
            Conversation.conversation_type.in_(policy.mediated_types),
            or_(escalated_clause(), own_row.id.is_not(None)),
        ))
    return visible


def escalated_clause() -> ColumnElement:
    """The conversation is escalated to the marketplace and not resolved since."""
    return and_(Conversation.escalated_at.is_not(None), Conversation.resolved_at.is_(None))


def own_row_join(principal: Principal, own_row: type[ConversationParticipant]) -> ColumnElement:
    """Join condition picking the caller's own participant row of a conversation, if any."""
    return and_(
        own_row.conversation_id == Conversation.id,
        own_row.participant_type == principal.type,
        own_row.participant_id == principal.id,
    )
