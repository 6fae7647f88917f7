"""Tables of email notifications: the outbox, the per-account default, inbound replies seen.

The outbox is written in the same transaction as the message it announces, so a
rolled-back message leaves no email behind and a committed one always has its row.
"""
from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from messaging.clock import utcnow
from messaging.extensions import db
from messaging.models.conversation import ConversationParticipant


class OutboxStatus:
    """Life of an outbox row. Only ``pending`` rows collect further messages (one per recipient)."""

    PENDING = "pending"
    RETRYING = "retrying"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"

    WAITING = (PENDING, RETRYING)


class NotificationOutbox(db.Model):
    """One email to one participant about the messages of one conversation it collects."""

    __tablename__ = "notification_outbox"
    __table_args__ = (
        # At most one collecting row per recipient in a conversation (participant rows are per
        # conversation); later messages join it through INSERT ... ON CONFLICT.
        Index(
            "uq_notification_outbox_pending_participant",
            "participant_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        # What a worker claims: due rows, oldest first.
        Index("ix_notification_outbox_status_due_at", "status", "due_at"),
        # When this recipient was last emailed about the conversation (NOTIFY_MIN_INTERVAL).
        Index("ix_notification_outbox_participant_claimed_at", "participant_id", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("conversation_participants.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=OutboxStatus.PENDING)
    # The messages this email announces: those of the conversation with ids in this range.
    first_message_id: Mapped[int] = mapped_column(BigInteger)
    last_message_id: Mapped[int] = mapped_column(BigInteger)
    message_count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at = mapped_column(DateTime, default=utcnow, nullable=False)
    due_at = mapped_column(DateTime, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claimed_at = mapped_column(DateTime, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    sent_at = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    participant: Mapped[ConversationParticipant] = relationship()


class NotificationPreference(db.Model):
    """An account's default for conversations started with it: "email me about new conversations"."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("participant_type", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # admin and vendor rows reference users.id, customer rows customers.id (as participants do).
    participant_type: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[int] = mapped_column(Integer)
    email_new_conversations: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    updated_at = mapped_column(DateTime, default=utcnow, nullable=False)


class InboundEmail(db.Model):
    """Every reply by email seen, by Message-ID, so a second delivery posts nothing."""

    __tablename__ = "inbound_emails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # SHA-256 of the Message-ID header (which may be up to 998 characters long).
    message_key: Mapped[str] = mapped_column(String(64), unique=True)
    received_at = mapped_column(DateTime, default=utcnow, nullable=False)
    outcome: Mapped[str] = mapped_column(String(40))
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
