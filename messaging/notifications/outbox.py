"""MessageNotificationService: queue the emails a new message calls for, in the sender's transaction.

It only writes outbox rows to the session it is given (flushed, not committed); the
worker (:mod:`messaging.notifications.delivery`) sends them later. A web request
therefore never waits for, or fails because of, an SMTP server.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Interval, and_, bindparam, exists, func, literal, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from messaging.identity import Principal
from messaging.models import ConversationParticipant
from messaging.models.notifications import NotificationOutbox, NotificationPreference, OutboxStatus
from messaging.prepared_statements import PreparedStatement, parameter
from messaging.read_connection import connection_for


class MessageNotificationService:
    def __init__(self, session: Session, *, delay: timedelta, min_interval: timedelta):
        self.session = session
        self.delay = delay
        self.min_interval = min_interval

    def notify_new_message(
        self, *, conversation_id: int, message_id: int, sender: Principal, now: datetime, new_conversation: bool
    ) -> int:
        """Queue (or extend) one email per other participant who wants them; the number of recipients."""
        if new_conversation:
            self._apply_new_conversation_defaults(conversation_id, sender)
        # One statement, one round trip: the recipients are read and queued inside the database.
        # A prepared statement in the session's transaction: the ORM layer has nothing to add here.
        database = connection_for(self.session, writes=True).dialect.name
        spacing = ({"min_interval": self.min_interval} if database == "postgresql"
                   else {"min_interval_modifier": f"+{self.min_interval.total_seconds()} seconds"})
        return _QUEUE_FOR_RECIPIENTS[database].run(
            self.session, conversation_id=conversation_id, sender_type=sender.type, sender_id=sender.id,
            message_id=message_id, now=now, due=now + self.delay, **spacing,
        )

    def _apply_new_conversation_defaults(self, conversation_id: int, sender: Principal) -> None:
        """Whoever turned "email me about new conversations" off starts this one with email off."""
        self.session.execute(
            update(ConversationParticipant)
            .where(
                ConversationParticipant.conversation_id == conversation_id,
                _others(bindparam("sender_type"), bindparam("sender_id")),
                exists().where(
                    NotificationPreference.participant_type == ConversationParticipant.participant_type,
                    NotificationPreference.account_id == ConversationParticipant.participant_id,
                    NotificationPreference.email_new_conversations.is_(False),
                ),
            )
            .values(email_notifications=False)
            .execution_options(synchronize_session=False),
            {"sender_type": sender.type, "sender_id": sender.id},
        )


def _others(sender_type, sender_id):
    return ~and_(
        ConversationParticipant.participant_type == sender_type,
        ConversationParticipant.participant_id == sender_id,
    )


# The statements run on every message are built once: building them cost more than running them.
_LAST_EMAILED = (
    select(func.max(NotificationOutbox.claimed_at))
    .where(
        NotificationOutbox.participant_id == ConversationParticipant.id,
        NotificationOutbox.status.in_((OutboxStatus.SENT, OutboxStatus.SENDING)),
    )
    .scalar_subquery()
)
# Who hears of a message: the conversation's other participants whose email is on.
_WANTS_EMAIL = (
    ConversationParticipant.conversation_id == parameter("conversation_id"),
    ConversationParticipant.email_notifications.is_(True),
    _others(parameter("sender_type"), parameter("sender_id")),
)


def _joining_the_waiting_email(insert):
    """A message arriving while an email waits joins it: the waiting row keeps its due time."""
    return insert.on_conflict_do_update(
        index_elements=[NotificationOutbox.participant_id],
        # A literal, as in the index: PostgreSQL infers a partial index only from the same predicate.
        index_where=text(f"status = '{OutboxStatus.PENDING}'"),
        set_={
            "last_message_id": insert.excluded.last_message_id,
            "message_count": NotificationOutbox.message_count + 1,
        },
    )


def _queue_for_recipients(dialect, due_after_last_email):
    """INSERT … SELECT of one pending email per recipient of the message, due when ``due_after_last_email`` says."""
    return _joining_the_waiting_email(
        dialect.insert(NotificationOutbox).from_select(
            ["participant_id", "conversation_id", "status", "first_message_id", "last_message_id", "message_count",
             "created_at", "due_at", "attempts"],
            select(
                ConversationParticipant.id,
                parameter("conversation_id"),
                literal(OutboxStatus.PENDING),
                parameter("message_id"),
                parameter("message_id"),
                literal(1),
                parameter("now", type_=NotificationOutbox.created_at.type),
                due_after_last_email,
                literal(0),
            ).where(*_WANTS_EMAIL),
        )
    )


# Due at the delay from now, or at the minimum interval after the last email, whichever is later.
_DUE = parameter("due", type_=NotificationOutbox.due_at.type)
# Run on every message sent: compiled once (messaging/prepared_statements.py), one per database.
_QUEUE_FOR_RECIPIENTS = {
    # greatest() passes over the NULL of someone never emailed.
    "postgresql": PreparedStatement(lambda: _queue_for_recipients(
        postgresql, func.greatest(_DUE, _LAST_EMAILED + parameter("min_interval", type_=Interval())),
    )),
    # SQLite keeps times as text ("2026-11-27 14:15:49.356967", which sorts as it should). Its date
    # arithmetic gives milliseconds ("…49.356"): three zeros make the stored form again. Its max()
    # of several values is NULL when one is, so someone never emailed takes the delay alone.
    "sqlite": PreparedStatement(lambda: _queue_for_recipients(
        sqlite,
        func.max(_DUE, func.coalesce(
            func.strftime("%Y-%m-%d %H:%M:%f", _LAST_EMAILED, parameter("min_interval_modifier")).concat("000"),
            _DUE,
        )),
    )),
}


def notification_service(session: Session) -> MessageNotificationService:
    config = current_app.config
    return MessageNotificationService(
        session,
        delay=timedelta(seconds=config["NOTIFY_DELAY"]),
        min_interval=timedelta(seconds=config["NOTIFY_MIN_INTERVAL"]),
    )
