"""Events exist exactly when their change was committed: recorded in its transaction, published after it."""
import pytest
from sqlalchemy import func, select

from messaging.extensions import db
from messaging.live.audiences import audiences_of
from messaging.live.broker import CLOSED, Subscription
from messaging.models import ConversationType, LiveEvent
from messaging.services import messaging_service
from messaging.services.errors import ConversationClosed
from tests.factories import start


def listening(app, principal) -> Subscription:
    subscription = Subscription(audiences_of(principal))
    assert app.extensions["live_broker"].subscribe(subscription)
    return subscription


def drain(subscription: Subscription) -> list:
    items = []
    while (item := subscription.get(timeout=0)) is not None:
        items.append(item)
    return items


def test_a_committed_send_is_published_to_the_other_side_after_the_commit(app, service, marketplace):
    conversation = start(service, marketplace.admin, ConversationType.ADMIN_VENDOR, marketplace.staff_a)
    vendor = listening(app, marketplace.staff_a)

    message = messaging_service().send_message(marketplace.admin, conversation.id, "Not yet committed")
    assert drain(vendor) == [], "nothing is published before the commit"
    db.session.commit()

    [event] = drain(vendor)
    assert (event.name, event.data) == ("message-posted", f'{{"conversation_id":{conversation.id},"message_id":{message.id}}}')


def test_a_rolled_back_send_publishes_nothing_and_leaves_no_event(app, service, marketplace):
    conversation = start(service, marketplace.admin, ConversationType.ADMIN_VENDOR, marketplace.staff_a)
    vendor = listening(app, marketplace.staff_a)
    events_before = db.session.scalar(select(func.count()).select_from(LiveEvent))

    messaging_service().send_message(marketplace.admin, conversation.id, "Then the request failed")
    db.session.rollback()

    assert drain(vendor) == []
    assert db.session.scalar(select(func.count()).select_from(LiveEvent)) == events_before


def test_a_refused_send_publishes_nothing(app, service, marketplace):
    conversation = start(service, marketplace.admin, ConversationType.ADMIN_VENDOR, marketplace.staff_a)
    service.close_conversation(marketplace.admin, conversation.id)
    vendor = listening(app, marketplace.staff_a)
    with pytest.raises(ConversationClosed):
        service.send_message(marketplace.admin, conversation.id, "Too late")
    assert drain(vendor) == []


def test_reading_an_already_read_conversation_announces_nothing(app, service, marketplace):
    conversation = start(service, marketplace.admin, ConversationType.ADMIN_VENDOR, marketplace.staff_a)
    staff = listening(app, marketplace.staff_a)
    assert service.mark_conversation_read(marketplace.staff_a, conversation.id)
    assert [item.name for item in drain(staff)] == ["conversation-read"]
    assert not service.mark_conversation_read(marketplace.staff_a, conversation.id)
    assert drain(staff) == []


def test_purge_removes_only_events_older_than_the_replay_window(app, service, marketplace):
    from datetime import timedelta

    from messaging.clock import utcnow
    from messaging.live.cli import REPLAY_WINDOW, purge_older_than

    start(service, marketplace.admin, ConversationType.ADMIN_VENDOR, marketplace.staff_a)
    start(service, marketplace.admin, ConversationType.ADMIN_VENDOR, marketplace.staff_b)
    oldest = db.session.scalar(select(func.min(LiveEvent.id)))
    db.session.execute(LiveEvent.__table__.update().where(LiveEvent.id == oldest)
                       .values(created_at=utcnow() - timedelta(days=2)))
    db.session.commit()
    total = db.session.scalar(select(func.count()).select_from(LiveEvent))
    assert purge_older_than(REPLAY_WINDOW) == 1
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(LiveEvent)) == total - 1


def test_a_stream_that_stops_reading_is_ended_instead_of_queueing_without_end(app, service, marketplace, monkeypatch):
    monkeypatch.setattr(Subscription, "MAX_WAITING", 3)
    conversation = start(service, marketplace.admin, ConversationType.ADMIN_VENDOR, marketplace.staff_a)
    stalled = listening(app, marketplace.staff_a)
    for number in range(6):
        service.send_message(marketplace.admin, conversation.id, f"Message {number}")
    items = drain(stalled)
    # Three events, then the word that ends the stream (its client reconnects and replays); nothing more.
    assert [getattr(item, "name", item) for item in items] == ["message-posted"] * 3 + [CLOSED]
