"""Live events: what changed, for whom, in the order it was written (issue 10).

One row per change and audience, written in the same transaction as the change, so an event
exists exactly when its change was committed. The id is the stream's ``Last-Event-ID``: a
reconnecting page is replayed the rows of its audiences after it. Rows older than a day are
pruned (``flask live-events purge``).
"""
from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from messaging.clock import utcnow
from messaging.extensions import db


class LiveEvent(db.Model):
    __tablename__ = "live_events"
    __table_args__ = (
        Index("ix_live_events_audience_id", "audience", "id"),
        Index("ix_live_events_created_at", "created_at"),
        # Never reuse an id after pruning: a client's Last-Event-ID must keep meaning "seen up to here".
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # Who may receive it (messaging/live/audiences.py), e.g. "admin", "vendor@4", "customer:9@4".
    audience: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(40))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    # The event's JSON body as sent to clients.
    data: Mapped[str] = mapped_column(Text)
    created_at = mapped_column(DateTime, default=utcnow, nullable=False)
