"""A retried create or send with the same Idempotency-Key stores nothing new and returns the first answer."""
import io
from datetime import timedelta

from sqlalchemy import func, select

from messaging.extensions import db
from messaging.models import Conversation, IdempotencyKey, Message, MessageAttachment
from messaging.services.idempotency import REPLAY_WINDOW
from tests.api.api_support import error_of
from tests.sample_files import PDF


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def create_body(marketplace, subject="Retry me"):
    return {
        "conversation_type": "vendor_customer", "subject": subject, "recipient_type": "customer",
        "recipient_id": marketplace.customer_a.id, "initial_message": "Hello",
    }


def test_retried_create_returns_the_first_conversation(caller, marketplace):
    api = caller(marketplace.staff_a)
    key = {"Idempotency-Key": "create-123"}
    first = api.post(json=create_body(marketplace), headers=key)
    assert first.status_code == 201
    conversations, messages = count(Conversation), count(Message)
    # the same request again, its keys in another order
    retry = api.post(json=dict(reversed(list(create_body(marketplace).items()))), headers=key)
    assert retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert (count(Conversation), count(Message)) == (conversations, messages)


def test_retried_multipart_send_stores_one_message_and_one_file(caller, marketplace, threads):
    api = caller(marketplace.customer_a)
    conversation_id = threads["vendor_customer"].id

    def send():
        return api.post(
            f"/{conversation_id}/messages",
            data={"content": "invoice", "attachments": [(io.BytesIO(PDF), "invoice.pdf")]},
            content_type="multipart/form-data",
            headers={"Idempotency-Key": "send-1"},
        )

    first = send()
    assert first.status_code == 201
    messages, files = count(Message), count(MessageAttachment)
    retry = send()
    assert retry.status_code == 201 and retry.get_json() == first.get_json()
    assert (count(Message), count(MessageAttachment)) == (messages, files)
    assert caller(marketplace.staff_a).get(f"/{conversation_id}").get_json()["message_count"] == 2


def test_same_key_for_a_different_request_is_refused(caller, marketplace, threads):
    api = caller(marketplace.customer_a)
    conversation_id = threads["vendor_customer"].id
    headers = {"Idempotency-Key": "k"}
    assert api.post(f"/{conversation_id}/messages", json={"content": "one"}, headers=headers).status_code == 201
    response = api.post(f"/{conversation_id}/messages", json={"content": "two"}, headers=headers)
    assert response.status_code == 422
    assert error_of(response)["code"] == "idempotency_key_reused"
    other_thread = api.post(f"/{threads['admin_customer'].id}/messages", json={"content": "one"}, headers=headers)
    assert other_thread.status_code == 422


def test_keys_belong_to_their_principal(caller, marketplace, threads):
    conversation_id = threads["vendor_customer"].id
    headers = {"Idempotency-Key": "shared"}
    staff = caller(marketplace.staff_a).post(f"/{conversation_id}/messages", json={"content": "a"}, headers=headers)
    customer = caller(marketplace.customer_a).post(f"/{conversation_id}/messages", json={"content": "a"}, headers=headers)
    assert staff.status_code == customer.status_code == 201
    assert staff.get_json()["id"] != customer.get_json()["id"]


def test_a_refused_request_does_not_use_up_the_key(caller, marketplace, threads, service):
    api = caller(marketplace.customer_a)
    conversation_id = threads["vendor_customer"].id
    service.close_conversation(marketplace.staff_a, conversation_id)
    headers = {"Idempotency-Key": "after-reopen"}
    refused = api.post(f"/{conversation_id}/messages", json={"content": "hi"}, headers=headers)
    assert refused.status_code == 409
    assert count(IdempotencyKey) == 0
    service.reopen_conversation(marketplace.staff_a, conversation_id)
    assert api.post(f"/{conversation_id}/messages", json={"content": "hi"}, headers=headers).status_code == 201


def test_a_send_that_fails_after_writing_leaves_nothing_for_the_retry_to_duplicate(app, caller, marketplace, threads,
                                                                                 monkeypatch):
    """The message and its idempotency record commit together: no window where one exists without the other."""
    api = caller(marketplace.customer_a)
    conversation_id = threads["vendor_customer"].id
    headers = {"Idempotency-Key": "crash-after-write"}
    messages = count(Message)

    def crash(*args, **kwargs):
        raise RuntimeError("worker died after the message was written")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with monkeypatch.context() as patched:
        patched.setattr("messaging.api.conversations.MessageResponseSchema.dump", crash)
        failed = api.post(f"/{conversation_id}/messages", json={"content": "once"}, headers=headers)
    assert failed.status_code == 500
    assert (count(Message), count(IdempotencyKey)) == (messages, 0)
    retry = api.post(f"/{conversation_id}/messages", json={"content": "once"}, headers=headers)
    assert retry.status_code == 201
    assert count(Message) == messages + 1
    again = api.post(f"/{conversation_id}/messages", json={"content": "once"}, headers=headers)
    assert again.get_json() == retry.get_json() and count(Message) == messages + 1


def test_invalid_keys_are_400(caller, marketplace, threads):
    api = caller(marketplace.customer_a)
    for key in ["", "a" * 256, "with space"]:
        response = api.post(f"/{threads['vendor_customer'].id}/messages", json={"content": "x"},
                            headers={"Idempotency-Key": key})
        assert response.status_code == 400, key
        assert error_of(response)["code"] == "invalid_idempotency_key"
    assert count(IdempotencyKey) == 0


def test_purge_forgets_keys_past_the_replay_window(app, caller, marketplace, threads):
    api = caller(marketplace.customer_a)
    for key in ("old", "new"):
        api.post(f"/{threads['vendor_customer'].id}/messages", json={"content": key}, headers={"Idempotency-Key": key})
    old = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == "old"))
    old.created_at -= REPLAY_WINDOW + timedelta(minutes=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["idempotency-keys", "purge"])
    assert result.exit_code == 0 and "Removed 1" in result.output
    assert db.session.scalars(select(IdempotencyKey.key)).all() == ["new"]
