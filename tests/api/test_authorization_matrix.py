"""Every endpoint × every kind of caller answers the status decisions §2 gives.

Each caller uses the surface of its own role. Out of scope answers 404 with exactly
the body of a conversation that does not exist; no credential, a forged or expired
token, or a deactivated account answers 401.
"""
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from messaging.extensions import db
from messaging.models import User
from messaging.services.api_tokens import TOKEN_SALT
from tests.factories import upload
from tests.sample_files import PDF

# decisions §2: which channels each caller sees (vendor A's and customer A's conversations are the targets)
SEES = {
    "admin": {"admin_vendor", "admin_customer"},
    "vendor_a": {"admin_vendor", "vendor_customer"},
    "vendor_b": set(),
    "customer_a": {"vendor_customer", "admin_customer"},
    "other_customer_a": set(),
    "customer_b": set(),
}
MAY_CREATE_AND_CLOSE = {"admin", "vendor_a", "vendor_b"}
NOT_AUTHENTICATED = {"anonymous", "deactivated", "forged_token", "expired_token"}
ALL_CALLERS = [*SEES, *sorted(NOT_AUTHENTICATED)]
TARGETS = ["vendor_customer", "admin_customer", "admin_vendor"]
MISSING_ID = 999_999


@pytest.fixture
def targets(threads, service, marketplace):
    """The three channels around vendor A and customer A, each with a file to download."""
    attachments = {}
    for channel, sender in (("vendor_customer", marketplace.staff_a), ("admin_customer", marketplace.admin),
                            ("admin_vendor", marketplace.admin)):
        message = service.send_message(sender, threads[channel].id, "file", [upload("terms.pdf", PDF)])
        attachments[channel] = (threads[channel].id, message.attachments[0].id)
    return attachments


@pytest.fixture
def call_as(caller, marketplace, app, tokens, monkeypatch):
    def make(who: str):
        m = marketplace
        principals = {
            "admin": m.admin, "vendor_a": m.staff_a, "vendor_b": m.staff_b,
            "customer_a": m.customer_a, "other_customer_a": m.customer_a2, "customer_b": m.customer_b,
        }
        if who in principals:
            return caller(principals[who])
        if who == "anonymous":
            return caller(None, role="vendor")
        if who == "deactivated":
            api = caller(m.staff_a2)  # staff of vendor A: in scope while active
            db.session.get(User, m.staff_a2.id).is_active = False
            db.session.commit()
            return api
        if who == "expired_token":
            issued_long_ago = int(time.time()) - app.config["API_TOKEN_MAX_AGE_SECONDS"] - 1
            with monkeypatch.context() as patch:
                patch.setattr(TimestampSigner, "get_timestamp", lambda self: issued_long_ago)
                return caller(None, role="vendor", authorization=f"Bearer {tokens.issue(m.staff_a).token}")
        forged = URLSafeTimedSerializer("guessed-secret", salt=TOKEN_SALT).dumps(
            {"type": "admin", "id": m.admin.id, "vendor_id": None}
        )
        return caller(None, role="admin", authorization=f"Bearer {forged}")

    return make


def create_body(who, marketplace):
    if who == "admin":
        return {"conversation_type": "admin_customer", "recipient_type": "customer", "recipient_id": marketplace.customer_b.id}
    if who in ("vendor_a", "vendor_b"):
        customer = marketplace.customer_a2 if who == "vendor_a" else marketplace.customer_b
        return {"conversation_type": "vendor_customer", "recipient_type": "customer", "recipient_id": customer.id}
    return {"conversation_type": "vendor_customer", "recipient_type": "vendor", "recipient_id": marketplace.staff_a.id}


def expected_status(who: str, endpoint: str, channel: str | None) -> int:
    if who in NOT_AUTHENTICATED:
        return 401
    staff = who in MAY_CREATE_AND_CLOSE
    if endpoint in ("list", "unread-count"):
        return 200
    if endpoint == "create":
        return 201 if staff else 403
    if endpoint == "recipients":
        return 200 if staff else 403
    if channel not in SEES[who]:
        return 404
    if endpoint in ("close", "reopen"):
        return 200 if staff else 403
    return 201 if endpoint == "send" else 200


@pytest.mark.parametrize("who", ALL_CALLERS)
def test_authorization_matrix(call_as, marketplace, targets, who):
    api = call_as(who)
    recipient_type = "vendor" if who == "admin" else "customer"
    calls = [
        ("list", None, lambda: api.get()),
        ("unread-count", None, lambda: api.get("/unread-count")),
        ("recipients", None, lambda: api.get("/recipients", query_string={"type": recipient_type})),
        ("create", None, lambda: api.post(json={**create_body(who, marketplace), "subject": "Hi", "initial_message": "Hello"})),
    ]
    for channel in TARGETS:
        conversation_id, attachment_id = targets[channel]
        calls += [
            ("detail", channel, lambda c=conversation_id: api.get(f"/{c}")),
            ("send", channel, lambda c=conversation_id: api.post(f"/{c}/messages", json={"content": "Hi"})),
            ("read", channel, lambda c=conversation_id: api.put(f"/{c}/read")),
            ("preferences", channel,
             lambda c=conversation_id: api.put(f"/{c}/preferences", json={"email_notifications": False})),
            ("download", channel, lambda c=conversation_id, a=attachment_id: api.get(f"/{c}/attachments/{a}")),
            ("close", channel, lambda c=conversation_id: api.post(f"/{c}/close")),
            ("reopen", channel, lambda c=conversation_id: api.post(f"/{c}/reopen")),
        ]

    missing = api.get(f"/{MISSING_ID}")
    wrong = []
    for endpoint, channel, call in calls:
        response = call()
        expected = expected_status(who, endpoint, channel)
        if response.status_code != expected:
            wrong.append(f"{endpoint} {channel or ''}: {response.status_code} (expected {expected}) {response.data[:120]!r}")
        elif expected == 404 and response.get_json() != missing.get_json():
            wrong.append(f"{endpoint} {channel}: the 404 differs from a missing conversation's: {response.get_json()}")
        elif expected >= 400 and "error" not in (response.get_json() or {}):
            wrong.append(f"{endpoint} {channel}: no error envelope")
    assert wrong == []
    if who not in NOT_AUTHENTICATED:
        assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_an_attachment_of_another_conversation_is_404(call_as, targets):
    """Asking a visible conversation for a file of an invisible one answers like a missing file."""
    api = call_as("customer_a")
    conversation_id, _ = targets["vendor_customer"]
    _, foreign_attachment = targets["admin_vendor"]
    response = api.get(f"/{conversation_id}/attachments/{foreign_attachment}")
    missing = api.get(f"/{conversation_id}/attachments/{MISSING_ID}")
    assert response.status_code == missing.status_code == 404
    assert response.get_json() == missing.get_json()
