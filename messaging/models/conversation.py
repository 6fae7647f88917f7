"""The messaging tables of the specification.

Hot paths read denormalised columns instead of aggregating: the inbox list reads
``last_message_at``/``last_message_preview``/``message_count`` from the conversation,
and the header badge sums ``unread_count`` from the partial index of unread rows.
"""
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from messaging.clock import utcnow
from messaging.extensions import db
from messaging.models.enums import ConversationStatus, ConversationType, ParticipantType

SUBJECT_MAX_LENGTH = 200
PREVIEW_LENGTH = 200
CONTEXT_TYPE_LENGTH = 20
CONTEXT_REF_MAX_LENGTH = 64
CONTEXT_LABEL_MAX_LENGTH = 200
ESCALATION_REASON_MAX_LENGTH = 1000


def _enum_column(enum_class, name: str) -> Enum:
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )


class Conversation(db.Model):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_activity", "last_message_at", "id"),
        Index("ix_conversations_vendor_activity", "vendor_id", "last_message_at", "id"),
        Index("ix_conversations_type_status", "conversation_type", "status"),
        # Covers the page total of a vendor's team inbox (vendor, visible types, status filter).
        Index("ix_conversations_vendor_type_status", "vendor_id", "conversation_type", "status"),
        # Marketplace cases (decisions §7): the ?context_type=&context_ref= filter, a customer's
        # daily start limit, and conversations ever escalated (the admins' "Escalated" list, in activity
        # order, and the shop-customer conversations an admin may have joined).
        Index("ix_conversations_context", "context_type", "context_ref"),
        Index("ix_conversations_creator", "created_by_type", "created_by_id", "created_at"),
        Index(
            "ix_conversations_escalated",
            "conversation_type",
            "last_message_at",
            "id",
            sqlite_where=text("escalated_at IS NOT NULL"),
            postgresql_where=text("escalated_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_type: Mapped[ConversationType] = mapped_column(
        _enum_column(ConversationType, "conversation_type")
    )
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX_LENGTH))
    status: Mapped[ConversationStatus] = mapped_column(
        _enum_column(ConversationStatus, "conversation_status"), default=ConversationStatus.OPEN
    )
    # Every conversation involving a vendor or a customer carries its vendor,
    # so every vendor-side query can be scoped by one indexed column.
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"))
    created_by_type: Mapped[ParticipantType] = mapped_column(
        _enum_column(ParticipantType, "created_by_type")
    )
    created_by_id: Mapped[int] = mapped_column(Integer)
    created_at = mapped_column(DateTime, default=utcnow, nullable=False)
    closed_at = mapped_column(DateTime, nullable=True)
    last_message_at = mapped_column(DateTime, default=utcnow, nullable=False)
    last_message_preview: Mapped[str] = mapped_column(String(PREVIEW_LENGTH), default="")
    message_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # What it is about on the host marketplace (an order or a product); the host owns those.
    context_type: Mapped[str | None] = mapped_column(String(CONTEXT_TYPE_LENGTH), nullable=True)
    context_ref: Mapped[str | None] = mapped_column(String(CONTEXT_REF_MAX_LENGTH), nullable=True)
    context_label: Mapped[str | None] = mapped_column(String(CONTEXT_LABEL_MAX_LENGTH), nullable=True)
    # Escalation to the marketplace: set by the customer or vendor staff, cleared by resolving.
    # "Escalated" means escalated_at is set and resolved_at is not; escalating again clears the resolution.
    escalated_at = mapped_column(DateTime, nullable=True)
    escalated_by_type: Mapped[str | None] = mapped_column(String(20), nullable=True)
    escalated_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    escalation_reason: Mapped[str | None] = mapped_column(String(ESCALATION_REASON_MAX_LENGTH), nullable=True)
    resolved_at = mapped_column(DateTime, nullable=True)
    # An admin (users.id).
    resolved_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    vendor = relationship("Vendor")
    participants: Mapped[list["ConversationParticipant"]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan", passive_deletes=True
    )


class ConversationParticipant(db.Model):
    """One principal in one conversation, with their own unread tracking and email preference."""

    __tablename__ = "conversation_participants"
    __table_args__ = (
        UniqueConstraint("conversation_id", "participant_type", "participant_id"),
        Index(
            "ix_participants_principal",
            "participant_type",
            "participant_id",
            "conversation_id",
        ),
        # The badge only ever reads rows with something unread; a partial index
        # keeps that read proportional to unread conversations, not to all of them.
        Index(
            "ix_participants_unread",
            "participant_type",
            "participant_id",
            "conversation_id",
            "unread_count",
            sqlite_where=text("unread_count > 0"),
            postgresql_where=text("unread_count > 0"),
        ),
        # A staff member's badge: their unread rows of the shop they act for, read from this index alone.
        Index(
            "ix_participants_unread_by_vendor",
            "participant_id",
            "vendor_id",
            "unread_count",
            sqlite_where=text("participant_type = 'vendor' AND unread_count > 0"),
            postgresql_where=text("participant_type = 'vendor' AND unread_count > 0"),
        ),
        # The rows with messages not yet queued for email: what the email worker picks up.
        Index(
            "ix_participants_email_pending",
            "email_pending_since",
            sqlite_where=text("email_pending_since IS NOT NULL"),
            postgresql_where=text("email_pending_since IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    participant_type: Mapped[ParticipantType] = mapped_column(
        _enum_column(ParticipantType, "participant_type")
    )
    participant_id: Mapped[int] = mapped_column(Integer)
    unread_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_read_at = mapped_column(DateTime, nullable=True)
    email_notifications: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=text("true")
    )
    joined_at = mapped_column(DateTime, default=utcnow, nullable=False)
    # Messages to this participant that the email worker has not queued yet: marked by the same
    # UPDATE that counts them unread, so a send writes no outbox row of its own
    # (messaging/notifications/outbox.py). NULL/0 when there are none.
    email_pending_since = mapped_column(DateTime, nullable=True)
    email_first_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    email_last_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    email_pending_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The conversation's shop, copied when the row is made (a conversation's shop never changes):
    # a staff member may work for several shops, and their badge counts the one they act for.
    vendor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    conversation: Mapped[Conversation] = relationship(back_populates="participants")


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_id_id", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    sender_type: Mapped[ParticipantType] = mapped_column(
        _enum_column(ParticipantType, "sender_type")
    )
    sender_id: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text, default="")
    # "Closed by ..." and "Reopened by ..." notes, shown apart from what people wrote.
    is_system_message: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    created_at = mapped_column(DateTime, default=utcnow, nullable=False)

    attachments: Mapped[list["MessageAttachment"]] = relationship(
        back_populates="message", cascade="all, delete-orphan", passive_deletes=True
    )


class MessageAttachment(db.Model):
    __tablename__ = "message_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    original_filename: Mapped[str] = mapped_column(String(255))
    # Relative to the configured attachment root: messages/YYYY/MM/<conversation>/<uuid>.<ext>
    storage_path: Mapped[str] = mapped_column(String(500), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int] = mapped_column(Integer)
    is_image: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    created_at = mapped_column(DateTime, default=utcnow, nullable=False)

    message: Mapped[Message] = relationship(back_populates="attachments")
