"""The events of the write paths: recorded with the change, published after it commits.

Each event is one ``live_events`` row per audience, added to the change's own transaction,
so the replay after ``Last-Event-ID`` (:mod:`messaging.live.stream`) finds exactly what was
committed. Publishing waits for the commit (:func:`messaging.unit_of_work.after_commit`): a
rolled-back send publishes nothing. Should publishing fail (Redis away), the rows are still
there and a reconnecting stream replays them.
"""
import json
from dataclasses import dataclass
from functools import cached_property

from flask import current_app
from sqlalchemy import ColumnElement, FromClause, Insert, Select, String, bindparam, cast, insert, literal, select, true
from sqlalchemy.orm import Session

from messaging.clock import utcnow
from messaging.identity import Principal
from messaging.live.audiences import conversation_audiences, personal_audience
from messaging.models import Conversation, ConversationParticipant, ConversationType, LiveEvent, ParticipantType
from messaging.prepared_statements import PreparedStatementPerRowCount, parameter, row_parameter
from messaging.unit_of_work import after_commit, run_follow_up

# Event names: the SSE `event:` field, the same for pages and API clients.
CONVERSATION_STARTED = "conversation-started"
MESSAGE_POSTED = "message-posted"
STATUS_CHANGED = "status-changed"
CONVERSATION_READ = "conversation-read"
# Sent by the stream itself, never stored: a replay too long to send ("fetch everything again").
RESYNC = "resync"
NAMES = (CONVERSATION_STARTED, MESSAGE_POSTED, STATUS_CHANGED, CONVERSATION_READ)


@dataclass(frozen=True)
class Event:
    id: int
    audience: str
    name: str
    data: str

    def as_json(self) -> dict:
        # Spelled out: dataclasses.asdict deep-copies field by field, on every event published.
        return {"id": self.id, "audience": self.audience, "name": self.name, "data": self.data}

    @cached_property
    def frame(self) -> str:
        # Written once per event, however many of this worker's streams it goes to.
        return sse_frame(self.name, self.data, self.id)


def sse_frame(name: str, data: str, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {data}\n\n"


@dataclass(frozen=True)
class Reach:
    """What decides who may see a conversation: its type, vendor, escalation and participants."""

    conversation_type: ConversationType
    vendor_id: int | None
    escalated: bool
    participants: list[tuple[ParticipantType, int]]

    @classmethod
    def of(cls, conversation_type, vendor_id, escalated_at, resolved_at, participants) -> "Reach":
        return cls(conversation_type, vendor_id, escalated_at is not None and resolved_at is None, participants)


def announce(
    session: Session, name: str, conversation_id: int, *, to_all_mediators: bool = False, reach: Reach | None = None,
    **data,
) -> None:
    """A conversation changed: tell everyone whose pages may show it.

    ``to_all_mediators``: every mediator hears of it even when the conversation is not (or no
    longer) escalated: a resolution reaches the admins whose escalation lists still show it.
    ``reach``: given when the caller's own statements already returned it (a send's UPDATEs do),
    so that it is not read again.
    """
    if reach is None:
        reach = _read_reach(session, conversation_id)
    audiences = conversation_audiences(
        reach.conversation_type, reach.vendor_id, reach.participants, reach.escalated or to_all_mediators
    )
    _record(session, name, conversation_id, audiences, data)


def _read_reach(session: Session, conversation_id: int) -> Reach:
    # The conversation and its people in one read: a row per participant, each carrying the conversation.
    rows = session.connection().execute(_CONVERSATION_AND_PARTICIPANTS, {"conversation_id": conversation_id}).all()
    participants = [(row.participant_type, row.participant_id) for row in rows if row.participant_type is not None]
    return Reach.of(*rows[0][:4], participants)


def announce_read(session: Session, reader: Principal, conversation_id: int) -> None:
    """The reader read a conversation: only their own other tabs hear of it."""
    _record(session, CONVERSATION_READ, conversation_id, [personal_audience(reader)], {})


# Run on every write of a conversation: built once, and run on the session's connection (Core, on the
# tables), since the ORM's execution layers cost more than these statements themselves.
_CONVERSATIONS = Conversation.__table__
_PARTICIPANTS = ConversationParticipant.__table__
_EVENTS = LiveEvent.__table__
_CONVERSATION_AND_PARTICIPANTS = (
    select(_CONVERSATIONS.c.conversation_type, _CONVERSATIONS.c.vendor_id, _CONVERSATIONS.c.escalated_at,
           _CONVERSATIONS.c.resolved_at, _PARTICIPANTS.c.participant_type, _PARTICIPANTS.c.participant_id)
    .select_from(_CONVERSATIONS)
    .outerjoin(_PARTICIPANTS, _PARTICIPANTS.c.conversation_id == _CONVERSATIONS.c.id)
    .where(_CONVERSATIONS.c.id == bindparam("conversation_id"))
)
# One multi-row INSERT for all audiences; each id comes back with its audience (in no promised order).
_INSERT_EVENTS = PreparedStatementPerRowCount(lambda count: (
    insert(_EVENTS)
    .values([
        {
            "audience": row_parameter("for", index, _EVENTS.c.audience.type),
            "name": parameter("event", _EVENTS.c.name.type),
            "conversation_id": parameter("about", _EVENTS.c.conversation_id.type),
            "data": parameter("body", _EVENTS.c.data.type),
            "created_at": parameter("at", _EVENTS.c.created_at.type),
        }
        for index in range(count)
    ])
    .returning(_EVENTS.c.id, _EVENTS.c.audience)
))


def _record(session: Session, name: str, conversation_id: int, audiences: list[str], data: dict) -> None:
    if not audiences:
        return
    body = event_body(conversation_id, **data)
    inserted = _INSERT_EVENTS.rows(
        session, [{"for": audience} for audience in audiences],
        event=name, about=conversation_id, body=body, at=utcnow(),
    )
    publish_recorded(session, name, body, inserted, committed=False)


def event_body(conversation_id: int, **data) -> str:
    """An event's ``data``: what a statement recording events itself writes too (``message_body_in_sql``)."""
    return json.dumps({"conversation_id": conversation_id, **data}, separators=(",", ":"))


def message_body_in_sql(conversation_id, message_id) -> ColumnElement:
    """:func:`event_body` of a message's event, ``{"conversation_id":…,"message_id":…}``, as SQL."""
    return ('{"conversation_id":' + cast(conversation_id, String) + ',"message_id":'
            + cast(message_id, String) + literal("}", String))


def message_events_in_sql(name: str, conversation_id, message: FromClause, audiences: Select, at) -> Insert:
    """The events of the message ``message`` (a FROM of its ``id``), one row per audience of
    ``audiences`` (:func:`messaging.live.audiences.conversation_audiences_in_sql`), as one INSERT
    that returns (id, audience) for :func:`publish_recorded`."""
    chosen = audiences.subquery("chosen_audiences")
    return (
        insert(_EVENTS)
        .from_select(
            ["audience", "name", "conversation_id", "data", "created_at"],
            select(chosen.c.audience, literal(name, _EVENTS.c.name.type), conversation_id,
                   message_body_in_sql(conversation_id, message.c.id), at)
            .select_from(chosen.join(message, true())),
        )
        .returning(_EVENTS.c.id, _EVENTS.c.audience)
    )


def publish_recorded(session: Session, name: str, body: str, recorded: list[tuple[int, str]], *, committed: bool) -> None:
    """Publish the events of ``recorded`` rows (id, audience): now if they are committed already
    (a statement that was its own transaction), else once the Session's transaction commits."""
    # Published in the order the database numbered them, as a stream replays them after Last-Event-ID.
    events = sorted((Event(event_id, audience, name, body) for event_id, audience in recorded), key=lambda e: e.id)
    if not events:
        return
    broker = current_app.extensions["live_broker"]
    if committed:
        run_follow_up(lambda: broker.publish(events))
    else:
        after_commit(session, lambda: broker.publish(events))
