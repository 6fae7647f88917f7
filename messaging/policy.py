"""The SQL of the access rules (decisions §2): what each role's policy lets it see.

The policies themselves are data in the role registry (:mod:`messaging.roles`). Every
conversation query goes through :func:`scope_clause`, so no caller can forget the rules;
what a role may not see simply does not exist for it (404).
"""
from dataclasses import dataclass

from sqlalchemy import and_, or_, true
from sqlalchemy.sql.elements import ColumnElement

from messaging.identity import Principal
from messaging.models import Conversation, ConversationParticipant
from messaging.roles import policy_for


@dataclass(frozen=True)
class ScopePart:
    condition: ColumnElement
    # How a count of this part joins the caller's own participant row: not at all, "outer" (the
    # condition looks at it) or "inner" (only rows with one; the count is then driven by their rows).
    own_row_join: str | None = None


def scope_clause(principal: Principal, own_row: type[ConversationParticipant]) -> ColumnElement:
    """SQL condition on ``Conversation`` (outer-joined to the caller's ``own_row``) for what they may see."""
    parts = scope_parts(principal, own_row)
    return parts[0].condition if len(parts) == 1 else or_(*(part.condition for part in parts))


def scope_parts(principal: Principal, own_row: type[ConversationParticipant]) -> list[ScopePart]:
    """The scope as disjoint conditions whose OR is :func:`scope_clause`.

    A count of what a mediator sees is the sum of counts of its parts, each read from its own index
    (the inbox total); counted as one OR, every shop–customer conversation would be visited.
    """
    policy = policy_for(principal)
    conditions = [Conversation.conversation_type.in_(policy.visible_types)]
    if policy.scoped_to_vendor:
        if principal.vendor_id is None:
            return [ScopePart(~true())]
        conditions.append(Conversation.vendor_id == principal.vendor_id)
    if policy.participants_only:
        conditions.append(own_row.id.is_not(None))
    parts = [ScopePart(and_(*conditions), "inner" if policy.participants_only else None)]
    if policy.mediated_types:
        # decisions §7: a mediator sees such a conversation once they took part, or while it is escalated.
        # A mediator can only have joined one that was escalated (escalated_at is never cleared), so
        # both parts are read from the small index of conversations ever escalated.
        mediated = Conversation.conversation_type.in_(policy.mediated_types)
        ever_escalated = Conversation.escalated_at.is_not(None)
        parts.append(ScopePart(and_(mediated, ever_escalated, own_row.id.is_not(None)), "outer"))
        parts.append(ScopePart(and_(mediated, escalated_clause(), own_row.id.is_(None)), "outer"))
    return parts


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
