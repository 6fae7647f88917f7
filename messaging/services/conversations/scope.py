"""The one way to read conversations: scoped by the principal's role policy, with their own row.

Every read and write of a conversation starts from :func:`scoped_select`, so what a principal
may not see is simply absent (and answers 404 like a conversation that does not exist).
"""
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from messaging.identity import Principal
from messaging.models import Conversation, ConversationParticipant, Vendor
from messaging.policy import own_row_join, scope_clause
from messaging.roles import policy_for
from messaging.services.errors import NotFound

# The caller's own participant row of a conversation, if any: built once, reused by every query.
OWN_ROW = aliased(ConversationParticipant, name="own_row")


@dataclass(frozen=True)
class ScopedConversation:
    """A conversation the principal may see, with what their own participant row says of it."""

    conversation: Conversation
    vendor_name: str | None
    unread_count: int
    email_notifications: bool
    # None while the principal has not taken part (a team member who only read it).
    own_row_id: int | None

    @property
    def is_participant(self) -> bool:
        return self.own_row_id is not None


def scoped_select(principal: Principal) -> Select:
    """SELECT of the conversations ``principal`` may see, each with their own row's columns."""
    query = select(Conversation, Vendor.name, OWN_ROW.unread_count, OWN_ROW.email_notifications, OWN_ROW.id)
    if policy_for(principal).participants_only:
        # Only conversations they are in: an inner join lets the planner start from their own rows.
        query = query.join(OWN_ROW, own_row_join(principal, OWN_ROW))
    else:
        query = query.outerjoin(OWN_ROW, own_row_join(principal, OWN_ROW))
    return query.outerjoin(Vendor, Vendor.id == Conversation.vendor_id).where(scope_clause(principal, OWN_ROW))


def as_scoped(row) -> ScopedConversation:
    conversation, vendor_name, unread_count, email_notifications, own_row_id = row
    return ScopedConversation(
        conversation=conversation,
        vendor_name=vendor_name,
        unread_count=unread_count or 0,
        # Someone who has not taken part yet gets emails once they do: the column's default.
        email_notifications=True if own_row_id is None else bool(email_notifications),
        own_row_id=own_row_id,
    )


def load_scoped(session: Session, principal: Principal, conversation_id: int) -> ScopedConversation:
    """The conversation if ``principal`` may see it; NotFound otherwise, whether it exists or not."""
    row = session.execute(scoped_select(principal).where(Conversation.id == conversation_id)).first()
    if row is None:
        raise NotFound()
    return as_scoped(row)
