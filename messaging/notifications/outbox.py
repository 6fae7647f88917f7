"""Queueing the emails a new message calls for: marked in the sender's transaction, queued by the worker.

A send writes no outbox row of its own. The UPDATE that counts a message unread for the other
participants also marks it for email on the rows whose email is on (:func:`email_marks`): the
first and last message not yet queued, how many, and since when. It is one statement either
way, and the mark commits or rolls back with the message.

The worker (:mod:`messaging.notifications.delivery`) turns the marks into outbox rows
(:meth:`MessageNotificationService.queue_marked`) just before it claims what is due. The due time
is the same as if the row had been written at the send: the delay after the first message, or
the minimum interval after the last email, whichever is later. A mark that finds an email still
waiting joins it. A web request therefore never waits for, or fails because of, an SMTP server,
and spends no statement on email.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import (
    BigInteger,
    DateTime,
    Interval,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from messaging.identity import Principal
from messaging.models import ConversationParticipant
from messaging.models.notifications import NotificationOutbox, NotificationPreference, OutboxStatus
from messaging.prepared_statements import parameter
from messaging.read_connection import connection_for

_PARTICIPANTS = ConversationParticipant.__table__


def email_marks(message_id, at) -> dict:
    """The SET clauses that mark a message for email on the participant rows an UPDATE counts it
    unread for: on those whose email is on; the others' marks are cleared (nothing to send them).

    ``message_id`` and ``at`` are the message's id and time, as parameters of the UPDATE.
    """
    wants_email = _PARTICIPANTS.c.email_notifications.is_(True)
    return {
        "email_pending_since": case((wants_email, func.coalesce(_PARTICIPANTS.c.email_pending_since, at))),
        "email_first_message_id": case((wants_email, func.coalesce(_PARTICIPANTS.c.email_first_message_id,
                                                                   message_id))),
        "email_last_message_id": case((wants_email, message_id)),
        "email_pending_count": case((wants_email, _PARTICIPANTS.c.email_pending_count + 1), else_=0),
    }


class MessageNotificationService:
    def __init__(self, session: Session, *, delay: timedelta, min_interval: timedelta):
        self.session = session
        self.delay = delay
        self.min_interval = min_interval

    def notify_new_conversation(self, *, conversation_id: int, message_id: int, sender: Principal,
                                now: datetime) -> None:
        """Mark a new conversation's first message for its recipients' email, after their defaults.

        Whoever turned "email me about new conversations" off starts this one with email off.
        (A message in a conversation under way is marked by the UPDATE that counts it unread.)
        """
        others = {"sender_type": sender.type, "sender_id": sender.id, "in_conversation": conversation_id}
        self.session.execute(_APPLY_NEW_CONVERSATION_DEFAULTS, others)
        self.session.execute(_MARK_FOR_OTHERS, {**others, "announced_message": message_id, "announced_at": now})

    def queue_marked(self, *, limit: int) -> int:
        """Up to ``limit`` marked rows turned into outbox rows and unmarked (flushed, not committed);
        how many rows were marked. Rows another worker is queuing are passed over (PostgreSQL)."""
        marked_ids = self.session.scalars(_MARKED_ROWS, {"limit": limit}).all()
        if not marked_ids:
            return 0
        database = connection_for(self.session, writes=True).dialect.name
        spacing = ({"delay": self.delay, "min_interval": self.min_interval} if database == "postgresql" else
                   {"delay_modifier": _seconds_modifier(self.delay),
                    "min_interval_modifier": _seconds_modifier(self.min_interval)})
        self.session.execute(_QUEUE_MARKED[database], {"marked_ids": marked_ids, **spacing})
        self.session.execute(_UNMARK, {"marked_ids": marked_ids})
        return len(marked_ids)


def _seconds_modifier(interval: timedelta) -> str:
    return f"+{interval.total_seconds()} seconds"


# Everyone in the conversation but the sender: whom a message counts unread for, and whose email
# it marks (the send's UPDATE, messaging/services/conversations/commands.py, and a new conversation's).
# Not "conversation_id" as a parameter: an UPDATE keeps its columns' names for the SET clause.
OTHERS_IN_CONVERSATION = (
    _PARTICIPANTS.c.conversation_id == parameter("in_conversation"),
    ~and_(
        _PARTICIPANTS.c.participant_type == parameter("sender_type"),
        _PARTICIPANTS.c.participant_id == parameter("sender_id"),
    ),
)
_APPLY_NEW_CONVERSATION_DEFAULTS = (
    update(ConversationParticipant)
    .where(
        *OTHERS_IN_CONVERSATION,
        exists().where(
            NotificationPreference.participant_type == ConversationParticipant.participant_type,
            NotificationPreference.account_id == ConversationParticipant.participant_id,
            NotificationPreference.email_new_conversations.is_(False),
        ),
    )
    .values(email_notifications=False)
    .execution_options(synchronize_session=False)
)
_MARK_FOR_OTHERS = (
    update(ConversationParticipant)
    .where(*OTHERS_IN_CONVERSATION)
    .values(email_marks(bindparam("announced_message", type_=BigInteger()),
                        bindparam("announced_at", type_=DateTime())))
    .execution_options(synchronize_session=False)
)
# Oldest marks first; SKIP LOCKED: rows another worker or a send holds are passed over, not waited
# for (PostgreSQL; SQLite renders no FOR UPDATE and serialises writers). A send may wait, briefly,
# for the worker queuing its rows; the worker never waits for a send, so the two cannot deadlock.
_MARKED_ROWS = (
    select(ConversationParticipant.id)
    .where(ConversationParticipant.email_pending_since.is_not(None))
    .order_by(ConversationParticipant.email_pending_since)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_UNMARK = (
    update(ConversationParticipant)
    .where(ConversationParticipant.id.in_(bindparam("marked_ids", expanding=True)))
    .values(email_pending_since=None, email_first_message_id=None, email_last_message_id=None,
            email_pending_count=0)
    .execution_options(synchronize_session=False)
)

_LAST_EMAILED = (
    select(func.max(NotificationOutbox.claimed_at))
    .where(
        NotificationOutbox.participant_id == ConversationParticipant.id,
        NotificationOutbox.status.in_((OutboxStatus.SENT, OutboxStatus.SENDING)),
    )
    .scalar_subquery()
)


def _joining_the_waiting_email(insert):
    """A mark that finds an email waiting joins it: the waiting row keeps its due time."""
    return insert.on_conflict_do_update(
        index_elements=[NotificationOutbox.participant_id],
        # A literal, as in the index: PostgreSQL infers a partial index only from the same predicate.
        index_where=text(f"status = '{OutboxStatus.PENDING}'"),
        set_={
            "last_message_id": insert.excluded.last_message_id,
            "message_count": NotificationOutbox.message_count + insert.excluded.message_count,
        },
    )


def _queue_marked(dialect, due):
    """INSERT … SELECT of one pending email per marked row whose email is still on, due when ``due`` says."""
    return _joining_the_waiting_email(
        dialect.insert(NotificationOutbox.__table__).from_select(
            ["participant_id", "conversation_id", "status", "first_message_id", "last_message_id", "message_count",
             "created_at", "due_at", "attempts"],
            select(
                ConversationParticipant.id,
                ConversationParticipant.conversation_id,
                literal(OutboxStatus.PENDING),
                ConversationParticipant.email_first_message_id,
                ConversationParticipant.email_last_message_id,
                ConversationParticipant.email_pending_count,
                ConversationParticipant.email_pending_since,
                due,
                literal(0),
            ).where(
                ConversationParticipant.id.in_(bindparam("marked_ids", expanding=True)),
                ConversationParticipant.email_notifications.is_(True),
            ),
        )
    )


_MARKED_AT = ConversationParticipant.email_pending_since


def _sqlite_due():
    # SQLite keeps times as text ("2026-11-27 14:15:49.356967", which sorts as it should). Its date
    # arithmetic gives milliseconds ("…49.356"): three zeros make the stored form again. Its max()
    # of several values is NULL when one is, so someone never emailed takes the delay alone.
    after_delay = func.strftime("%Y-%m-%d %H:%M:%f", _MARKED_AT, bindparam("delay_modifier")).concat("000")
    after_last_email = func.strftime("%Y-%m-%d %H:%M:%f", _LAST_EMAILED, bindparam("min_interval_modifier"))
    return func.max(after_delay, func.coalesce(after_last_email.concat("000"), after_delay))


# Due at the delay after the first message marked, or at the minimum interval after the last
# email, whichever is later; one statement per database.
_QUEUE_MARKED = {
    # greatest() passes over the NULL of someone never emailed.
    "postgresql": _queue_marked(postgresql, func.greatest(
        _MARKED_AT + bindparam("delay", type_=Interval()),
        _LAST_EMAILED + bindparam("min_interval", type_=Interval()),
    )),
    "sqlite": _queue_marked(sqlite, _sqlite_due()),
}


def notification_service(session: Session) -> MessageNotificationService:
    config = current_app.config
    return MessageNotificationService(
        session,
        delay=timedelta(seconds=config["NOTIFY_DELAY"]),
        min_interval=timedelta(seconds=config["NOTIFY_MIN_INTERVAL"]),
    )
