"""A send writes with prebuilt statements and reads nothing back: what it returns and whom its
live event reaches must still be what the database holds afterwards."""
import pytest
from sqlalchemy import select

from messaging.extensions import db
from messaging.live import MESSAGE_POSTED
from messaging.live.audiences import conversation_audiences
from messaging.live.events import _read_reach
from messaging.models import Conversation, ConversationParticipant, LiveEvent, Message


def audiences_of_send(message_id: int) -> set[str]:
    rows = db.session.scalars(select(LiveEvent).where(LiveEvent.name == MESSAGE_POSTED)).all()
    return {row.audience for row in rows if f'"message_id":{message_id}' in row.data}


def audiences_read_back(conversation_id: int) -> set[str]:
    reach = _read_reach(db.session, conversation_id)
    return set(conversation_audiences(reach.conversation_type, reach.vendor_id, reach.participants, reach.escalated))


@pytest.mark.parametrize(("thread", "sender"), [
    ("admin_vendor", "staff_a"),
    ("admin_vendor", "admin"),
    ("vendor_customer", "customer_a"),
    ("vendor_customer", "staff_a2"),  # not a participant yet: joins with this send
    ("admin_customer", "admin2"),  # another admin, joining too
])
def test_a_send_reaches_whoever_the_conversation_read_afterwards_says(service, marketplace, threads, thread, sender):
    conversation_id = threads[thread].id
    message = service.send_message(getattr(marketplace, sender), conversation_id, "Reach check")
    assert audiences_of_send(message.id) == audiences_read_back(conversation_id)


def test_an_escalated_conversation_reaches_every_admin(service, marketplace, threads):
    conversation_id = threads["vendor_customer"].id
    service.escalate(marketplace.customer_a, conversation_id, "No answer about my refund")
    message = service.send_message(marketplace.staff_a, conversation_id, "We are on it")
    sent_to = audiences_of_send(message.id)
    assert sent_to == audiences_read_back(conversation_id)
    assert "admin" in sent_to


def test_what_a_send_returns_is_what_was_stored(service, marketplace, threads):
    conversation_id = threads["vendor_customer"].id
    before = db.session.get(Conversation, conversation_id).message_count
    item = service.send_message(marketplace.customer_a, conversation_id, "  Stored as sent  ")
    db.session.expire_all()
    stored = db.session.get(Message, item.id)
    assert (stored.conversation_id, stored.sender_type, stored.sender_id, stored.content, stored.is_system_message,
            stored.created_at) == (item.conversation_id, item.sender.type, item.sender.id, item.content,
                                   item.is_system_message, item.created_at)
    conversation = db.session.get(Conversation, conversation_id)
    assert (conversation.message_count, conversation.last_message_at, conversation.last_message_preview) == (
        before + 1, item.created_at, "Stored as sent")


def unread_counts(conversation_id: int) -> dict:
    rows = db.session.execute(
        select(ConversationParticipant.participant_type, ConversationParticipant.participant_id,
               ConversationParticipant.unread_count)
        .where(ConversationParticipant.conversation_id == conversation_id)
    ).all()
    return {(kind, pid): count for kind, pid, count in rows}


def test_only_the_others_get_one_more_unread(service, marketplace, threads):
    conversation_id = threads["vendor_customer"].id
    sender = marketplace.customer_a
    before = unread_counts(conversation_id)
    service.send_message(sender, conversation_id, "One more for the shop")
    assert unread_counts(conversation_id) == {
        who: count + (who != (sender.type, sender.id)) for who, count in before.items()
    }
