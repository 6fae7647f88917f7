"""Remembered results of create and send requests made with an ``Idempotency-Key``."""
from sqlalchemy import DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from messaging.clock import utcnow
from messaging.extensions import db

IDEMPOTENCY_KEY_MAX_LENGTH = 255


class IdempotencyKey(db.Model):
    """One key of one principal: claimed while its request runs, then holding that request's answer.

    A row whose ``response_status`` is still NULL is a request in flight; the unique
    constraint is what stops two concurrent retries from both running.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("principal_type", "principal_id", "key"),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    principal_type: Mapped[str] = mapped_column(String(20))
    principal_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(IDEMPOTENCY_KEY_MAX_LENGTH))
    # SHA-256 of what was asked (method, path, acting vendor, body), to refuse a key reused for another request.
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at = mapped_column(DateTime, default=utcnow, nullable=False)
    completed_at = mapped_column(DateTime, nullable=True)
