"""A send writes with prebuilt statements and reads nothing back: what it returns and whom its
live event reaches must still be what the database holds afterwards."""
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from messaging.extensions import db
from messaging.live import MESSAGE_POSTED
from messaging.live.audiences import audiences_of, conversation_audiences
from messaging.live.broker import Subscription
from messaging.live.events import _read_reach
from messaging.models import Conversation, ConversationParticipant, LiveEvent, Message
from tests.conftest import uses_postgres


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


def test_an_api_send_on_postgresql_is_a_transaction_of_its_own(app, caller, marketplace, threads):
    """On PostgreSQL a message of text alone is one statement that commits itself: the request's
    Session begins no transaction (no BEGIN before it, no COMMIT after, and the conversation's row
    is locked only while the statement runs). On SQLite the Session's transaction holds it. Either
    way the message, the others' unread counts and its live events are committed, whoever looks,
    and the event is published to the other side."""
    conversation_id = threads["vendor_customer"].id
    vendor = Subscription(audiences_of(marketplace.staff_a))
    assert app.extensions["live_broker"].subscribe(vendor)
    unread_before = unread_counts(conversation_id)
    api = caller(marketplace.customer_a)
    db.session.commit()
    db.session.remove()
    begun = []
    listener = lambda *_: begun.append(True)  # noqa: E731
    event.listen(Session, "after_begin", listener)
    try:
        answer = api.post(f"/{conversation_id}/messages", json={"content": "On its own"})
    finally:
        event.remove(Session, "after_begin", listener)
    assert answer.status_code == 201
    assert bool(begun) is not uses_postgres()

    message_id = answer.get_json()["id"]
    body = f'{{"conversation_id":{conversation_id},"message_id":{message_id}}}'
    with db.engine.connect() as elsewhere:  # not the request's connections: what is committed
        assert elsewhere.scalar(select(Message.content).where(Message.id == message_id)) == "On its own"
        stored = elsewhere.execute(select(LiveEvent.audience, LiveEvent.data).where(
            LiveEvent.data.contains(f'"message_id":{message_id}'))).all()
    assert {audience for audience, _ in stored} == audiences_read_back(conversation_id)
    assert {data for _, data in stored} == {body}  # what the statement wrote is what was published
    assert unread_counts(conversation_id) == {
        who: count + (who != (marketplace.customer_a.type, marketplace.customer_a.id))
        for who, count in unread_before.items()}
    published = []
    while (item := vendor.get(timeout=0)) is not None:
        published.append(item)
    assert [(item.name, item.data) for item in published] == [(MESSAGE_POSTED, body)]


def test_a_send_with_an_idempotency_key_keeps_its_record_in_the_same_transaction(app, caller, marketplace, threads):
    """The record of the answer is written first, so the send runs in that transaction, also on PostgreSQL."""
    conversation_id = threads["vendor_customer"].id
    api = caller(marketplace.customer_a)
    headers = {"Idempotency-Key": "one-send"}
    first = api.post(f"/{conversation_id}/messages", json={"content": "Once"}, headers=headers)
    again = api.post(f"/{conversation_id}/messages", json={"content": "Once"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.get_json()["id"] == again.get_json()["id"]
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.content == "Once")) == 1
