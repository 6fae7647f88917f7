"""The one way to read conversations: scoped by the principal's role policy, with their own row.

Every read and write of a conversation starts from :func:`scoped_select`, so what a principal
may not see is simply absent (and answers 404 like a conversation that does not exist).

What comes back is a plain record of the conversation's columns, not an ORM object: reads
assemble their answer from it, and writes change conversations with guarded UPDATE statements,
never through an object in the session.
"""
from collections import namedtuple
from dataclasses import dataclass
from functools import partial

from sqlalchemy import ColumnElement, ScalarSelect, Select, and_, inspect, select
from sqlalchemy.orm import Session, aliased

from messaging.identity import Principal
from messaging.models import Conversation, ConversationParticipant, ParticipantType, Vendor
from messaging.policy import own_row_join, scope_clause
from messaging.prepared_statements import PreparedStatement, parameter
from messaging.roles import policy_for
from messaging.row_lookup_join import RowLookupJoin
from messaging.services.errors import NotFound

# The caller's own participant row of a conversation, if any: built once, reused by every query.
OWN_ROW = aliased(ConversationParticipant, name="own_row")

_CONVERSATION_COLUMNS = tuple(Conversation.__table__.columns)
ConversationRow = namedtuple("ConversationRow", [column.key for column in _CONVERSATION_COLUMNS])


@dataclass(frozen=True)
class ScopedConversation:
    """A conversation the principal may see, with what their own participant row says of it."""

    conversation: ConversationRow
    vendor_name: str | None
    unread_count: int
    email_notifications: bool
    # None while the principal has not taken part (a team member who only read it).
    own_row_id: int | None

    @property
    def is_participant(self) -> bool:
        return self.own_row_id is not None


def scoped_select(principal: Principal, *, own_row_by_lookup: bool = False) -> Select:
    """SELECT of the conversations ``principal`` may see: their columns, then their own row's (:func:`as_scoped`),
    then any the caller adds.

    ``own_row_by_lookup``: the own row is looked up per conversation (:mod:`messaging.row_lookup_join`),
    for a prepared statement reading a page of conversations that does not filter on that row.
    """
    query = select(
        *_CONVERSATION_COLUMNS,
        Vendor.name.label("vendor_name"),
        OWN_ROW.unread_count.label("own_unread_count"),
        OWN_ROW.email_notifications.label("own_email_notifications"),
        OWN_ROW.id.label("own_row_id"),
    )
    if policy_for(principal).participants_only:
        # Only conversations they are in: an inner join lets the planner start from their own rows.
        query = query.join(OWN_ROW, own_row_join(principal, OWN_ROW))
    elif own_row_by_lookup:
        query = query.select_from(
            RowLookupJoin(Conversation.__table__, inspect(OWN_ROW).selectable, own_row_join(principal, OWN_ROW)))
    else:
        query = query.outerjoin(OWN_ROW, own_row_join(principal, OWN_ROW))
    return query.outerjoin(Vendor, Vendor.id == Conversation.vendor_id).where(scope_clause(principal, OWN_ROW))


def caller_of(principal_type: ParticipantType) -> Principal:
    """A principal of this role whose ids are parameters: the role's scope rules, for a statement built once."""
    return Principal(principal_type, parameter("principal_id"), "", parameter("vendor_id"))


def caller_parameters(principal: Principal) -> dict:
    return {"principal_id": principal.id, "vendor_id": principal.vendor_id}


# How many columns :func:`scoped_select` begins a row with: the conversation's and the own row's.
SCOPED_WIDTH = len(_CONVERSATION_COLUMNS) + 4


def as_scoped(row) -> ScopedConversation:
    columns = len(_CONVERSATION_COLUMNS)
    vendor_name, unread_count, email_notifications, own_row_id = row[columns:SCOPED_WIDTH]
    return ScopedConversation(
        conversation=ConversationRow._make(row[:columns]),
        vendor_name=vendor_name,
        unread_count=unread_count or 0,
        # Someone who has not taken part yet gets emails once they do: the column's default.
        email_notifications=True if own_row_id is None else bool(email_notifications),
        own_row_id=own_row_id,
    )


def scoped_by_id(principal_type: ParticipantType) -> Select:
    """The conversation ``conversation_id`` as :func:`scoped_select` reads it: no row when out of scope."""
    return scoped_select(caller_of(principal_type)).where(Conversation.id == parameter("conversation_id"))


def in_scope_by_id(principal_type: ParticipantType) -> ColumnElement:
    """Condition for a statement on ``conversations`` itself (a guarded UPDATE): its row is
    ``conversation_id`` and the caller may see it, by the very scope :func:`scoped_by_id` reads with."""
    # Not correlated to the statement's own conversations: the scope is read from a row of its own.
    visible = scoped_by_id(principal_type).with_only_columns(Conversation.id).correlate(None)
    return and_(Conversation.id == parameter("conversation_id"), Conversation.id.in_(visible))


def own_row_id_by_id(principal_type: ParticipantType) -> ScalarSelect:
    """The id of the caller's own participant row of ``conversation_id``; NULL while they have not taken part."""
    caller = caller_of(principal_type)
    # Not policy.own_row_join: it correlates to conversations.id, and in a RETURNING clause SQLite's
    # compiler drops table names, so "id" would name the participant row's own id.
    return select(OWN_ROW.id).where(
        OWN_ROW.conversation_id == parameter("conversation_id"),
        OWN_ROW.participant_type == caller.type,
        OWN_ROW.participant_id == caller.id,
    ).scalar_subquery()


# Every send and action starts here: compiled once per role.
_SCOPED_BY_ID = {principal_type: PreparedStatement(partial(scoped_by_id, principal_type))
                 for principal_type in ParticipantType}


def load_scoped(session: Session, principal: Principal, conversation_id: int) -> ScopedConversation:
    """The conversation if ``principal`` may see it; NotFound otherwise, whether it exists or not."""
    rows = _SCOPED_BY_ID[principal.type].rows(
        session, conversation_id=conversation_id, **caller_parameters(principal)
    )
    if not rows:
        raise NotFound()
    return as_scoped(rows[0])
