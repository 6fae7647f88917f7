"""A shop with ``count`` customers, one conversation each, and one email marked for every customer.

The emails are marked by the real ``MessageNotificationService.notify_new_conversation``, as a
send marks them; a worker's first pass queues them in the outbox;
accounts, conversations and messages by bulk inserts (their creation is not what is measured).
Used by ``bench/notifications.py`` and by the PostgreSQL many-workers test.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from messaging.clock import utcnow
from messaging.extensions import db
from messaging.identity import Principal
from messaging.models import (
    Conversation,
    ConversationParticipant,
    ConversationStatus,
    ConversationType,
    Customer,
    Message,
    ParticipantType,
    User,
    Vendor,
    VendorUser,
)
from messaging.notifications.outbox import MessageNotificationService

CHUNK = 1000


def queue_emails(count: int, *, prefix: str = "load") -> Principal:
    """Mark ``count`` emails, due now once queued (one per customer); the staff principal who wrote them."""
    now = utcnow()
    vendor = Vendor(code=f"{prefix}-shop", name="Load Shop", is_active=True)
    staff = User(email=f"staff@{prefix}.example", full_name="Stan Staff", is_admin=False, is_active=True,
                 password_hash="unused")
    db.session.add_all([vendor, staff])
    db.session.flush()
    db.session.add(VendorUser(user_id=staff.id, vendor_id=vendor.id))
    sender = Principal(ParticipantType.VENDOR, staff.id, staff.full_name, vendor_id=vendor.id)
    notifications = MessageNotificationService(db.session, delay=timedelta(0), min_interval=timedelta(0))
    for start in range(0, count, CHUNK):
        numbers = range(start, min(start + CHUNK, count))
        db.session.execute(insert(Customer), [
            {"vendor_id": vendor.id, "email": f"c{n}@{prefix}.example", "full_name": f"Customer {n}",
             "password_hash": "unused", "is_active": True, "created_at": now} for n in numbers])
        customer_ids = db.session.scalars(
            select(Customer.id).where(Customer.email.in_([f"c{n}@{prefix}.example" for n in numbers]))
            .order_by(Customer.id)).all()
        db.session.execute(insert(Conversation), [
            {"conversation_type": ConversationType.VENDOR_CUSTOMER, "subject": f"Order {n}",
             "status": ConversationStatus.OPEN, "vendor_id": vendor.id, "created_by_type": ParticipantType.VENDOR,
             "created_by_id": staff.id, "created_at": now, "last_message_at": now, "message_count": 1,
             "last_message_preview": f"Your order {n} has shipped."} for n in numbers])
        conversations = db.session.execute(
            select(Conversation.id, Conversation.subject)
            .where(Conversation.vendor_id == vendor.id, Conversation.subject.in_([f"Order {n}" for n in numbers]))
            .order_by(Conversation.id)).all()
        pairs = list(zip(customer_ids, [c.id for c in conversations]))
        db.session.execute(insert(ConversationParticipant), [
            row for customer_id, conversation_id in pairs for row in (
                {"conversation_id": conversation_id, "participant_type": ParticipantType.VENDOR,
                 "participant_id": staff.id, "unread_count": 0, "last_read_at": now, "joined_at": now,
                 "email_notifications": True},
                {"conversation_id": conversation_id, "participant_type": ParticipantType.CUSTOMER,
                 "participant_id": customer_id, "unread_count": 1, "joined_at": now, "email_notifications": True},
            )])
        db.session.execute(insert(Message), [
            {"conversation_id": conversation_id, "sender_type": ParticipantType.VENDOR, "sender_id": staff.id,
             "content": f"Your order has shipped.\nTracking number {conversation_id}.", "is_system_message": False,
             "created_at": now} for _, conversation_id in pairs])
        message_ids = dict(db.session.execute(
            select(Message.conversation_id, Message.id)
            .where(Message.conversation_id.in_([c for _, c in pairs]))).all())
        for _, conversation_id in pairs:
            notifications.notify_new_conversation(conversation_id=conversation_id,
                                                  message_id=message_ids[conversation_id], sender=sender, now=now)
        db.session.commit()
    return sender
