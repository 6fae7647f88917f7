"""Concurrent retries with one Idempotency-Key on PostgreSQL: one message, whatever the timing."""
import threading

import pytest
from sqlalchemy import func, select

from messaging.extensions import db
from messaging.models import ConversationType, Message
from messaging.services import accounts, messaging_service
from messaging.services.api_tokens import ApiTokens
from tests.postgres_databases import scratch_postgres_app

RETRIES = 4


@pytest.fixture
def postgres_app(tmp_path):
    with scratch_postgres_app("messaging_api_idempotency_test", tmp_path) as app:
        yield app


def test_simultaneous_retries_store_one_message(postgres_app):
    with postgres_app.app_context():
        vendor = accounts.create_vendor("busy", "Busy Shop")
        staff = accounts.vendor_principal(accounts.create_vendor_user("s@busy.example", "busy", "Staff", "password1"), vendor)
        customer = accounts.customer_principal(accounts.create_customer("c@busy.example", "busy", "Cust", "password1"))
        thread = messaging_service().create_conversation(
            staff, conversation_type=ConversationType.VENDOR_CUSTOMER, subject="Rush",
            recipient_type=customer.type, recipient_id=customer.id, initial_message="start",
        )
        token = ApiTokens(postgres_app.config["SECRET_KEY"], 3600).issue(customer).token
        db.session.commit()
        db.session.remove()

    barrier = threading.Barrier(RETRIES)
    answers = []

    def retry():
        client = postgres_app.test_client()
        barrier.wait()
        response = client.post(
            f"/api/v1/shop/messages/{thread.id}/messages",
            json={"content": "pay now"},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "pay-1"},
        )
        answers.append((response.status_code, response.get_json()))

    workers = [threading.Thread(target=retry) for _ in range(RETRIES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    statuses = sorted(status for status, _ in answers)
    assert set(statuses) <= {201, 409} and 201 in statuses, answers
    created = {body["id"] for status, body in answers if status == 201}
    assert len(created) == 1  # every success is the same message, first or replayed
    for status, body in answers:
        if status == 409:
            assert body["error"]["code"] == "idempotency_key_in_progress"
    with postgres_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Message).where(Message.content == "pay now")) == 1
