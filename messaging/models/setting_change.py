"""The history of platform settings changed by admins: who changed what, when, from what to what."""
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from messaging.clock import utcnow
from messaging.extensions import db


class PlatformSettingChange(db.Model):
    __tablename__ = "platform_setting_changes"
    __table_args__ = (Index("ix_platform_setting_changes_changed_at", "changed_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    setting_key: Mapped[str] = mapped_column(String(100))
    old_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_value: Mapped[str] = mapped_column(Text)
    # SET NULL: the record of a change outlives the account that made it.
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    changed_at = mapped_column(DateTime, default=utcnow, nullable=False)
