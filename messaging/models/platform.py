"""The smallest honest stand-in for the marketplace around the messaging module."""
from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from messaging.clock import utcnow
from messaging.extensions import db


class PasswordMixin:
    password_hash: Mapped[str]
    # Sessions and API tokens carry the value they were issued under; moving it on (sign-out,
    # "sign out everywhere", a new password, deactivation) ends all of them (services/session_versions.py).
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class User(PasswordMixin, UserMixin, db.Model):
    """A platform account: an admin, or staff of one or more vendors."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Flask-Login reads is_active; an inactive account cannot sign in or use a token.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(DateTime, default=utcnow)

    memberships: Mapped[list["VendorUser"]] = relationship(back_populates="user")

    def get_id(self) -> str:
        return f"user:{self.id}"


class Vendor(db.Model):
    __tablename__ = "vendors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(DateTime, default=utcnow)


class VendorUser(db.Model):
    """Membership of a user in a vendor's staff."""

    __tablename__ = "vendor_users"
    __table_args__ = (UniqueConstraint("user_id", "vendor_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    created_at = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    vendor: Mapped[Vendor] = relationship()


class Customer(PasswordMixin, UserMixin, db.Model):
    """A shopper of exactly one vendor's shop (customers are per shop)."""

    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("vendor_id", "email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(DateTime, default=utcnow)

    vendor: Mapped[Vendor] = relationship()

    def get_id(self) -> str:
        return f"customer:{self.id}"


class PlatformSetting(db.Model):
    __tablename__ = "platform_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    value: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(50), default="general")
    description: Mapped[str] = mapped_column(Text, default="")
    updated_at = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
