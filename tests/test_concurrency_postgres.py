"""Concurrent senders on PostgreSQL: atomic counters lose no increment."""
import threading

import pytest

from messaging.extensions import db
from messaging.models import ConversationType
from messaging.services import accounts, messaging_service
from messaging.unit_of_work import committed
from tests.postgres_databases import scratch_postgres_app

THREADS = 4
MESSAGES_PER_THREAD = 15


@pytest.fixture
def postgres_app(tmp_path):
    with scratch_postgres_app("messaging_concurrency_test", tmp_path) as app:
        yield app


def test_concurrent_sends_leave_exact_unread_counts(postgres_app):
    with postgres_app.app_context():
        vendor = accounts.create_vendor("busy", "Busy Shop")
        staff = [
            accounts.vendor_principal(accounts.create_vendor_user(f"s{i}@busy.example", "busy", f"Staff {i}", "password1"), vendor)
            for i in range(2)
        ]
        customer = accounts.customer_principal(accounts.create_customer("c@busy.example", "busy", "Cust", "password1"))
        thread = messaging_service().create_conversation(
            staff[0], conversation_type=ConversationType.VENDOR_CUSTOMER, subject="Rush",
            recipient_type=customer.type, recipient_id=customer.id, initial_message="start",
        )
        messaging_service().send_message(staff[1], thread.id, "joining")  # three participants now
        messaging_service().mark_conversation_read(customer, thread.id)
        db.session.commit()
        conversation_id = thread.id

    senders = [staff[0], staff[1], customer, staff[0]][:THREADS]
    barrier = threading.Barrier(THREADS)
    errors = []

    def send_many(sender):
        try:
            with postgres_app.app_context():
                barrier.wait()
                for number in range(MESSAGES_PER_THREAD):
                    with committed():
                        messaging_service().send_message(sender, conversation_id, f"{sender.name} #{number}")
                db.session.remove()
        except Exception as error:  # surfaced below: a thread's exception would otherwise vanish
            errors.append(error)

    workers = [threading.Thread(target=send_many, args=(sender,)) for sender in senders]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors, errors

    with postgres_app.app_context():
        service = messaging_service()
        sent_by = {p.key: 0 for p in (staff[0], staff[1], customer)}
        for sender in senders:
            sent_by[sender.key] += MESSAGES_PER_THREAD
        total_sent = THREADS * MESSAGES_PER_THREAD
        # Before the rush: staff[0] had "joining" unread, staff[1] had nothing, the customer had read all.
        expected = {
            staff[0].key: 1 + total_sent - sent_by[staff[0].key],
            staff[1].key: total_sent - sent_by[staff[1].key],
            customer.key: total_sent - sent_by[customer.key],
        }
        for principal in (staff[0], staff[1], customer):
            assert service.get_conversation(principal, conversation_id).unread_count == expected[principal.key]
            assert service.get_unread_count(principal) == expected[principal.key]
        detail = service.get_conversation(staff[0], conversation_id)
        assert detail.message_count == 2 + total_sent
