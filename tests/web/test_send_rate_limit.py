"""Sending has a per-account limit (issue 8, item 11): a person never meets it, a script does.

429 with Retry-After and the error envelope on the API; the form again, with what was typed
and the message beside it, on the pages (with and without htmx). Pages and API share one budget.
"""
import pytest
from sqlalchemy import func, select

from messaging.extensions import db, limiter
from messaging.models import ConversationType, Message
from messaging.services.api_tokens import ApiTokens
from tests.factories import start
from tests.web.page_support import ROLE_PREFIX, sign_in_customer, sign_in_staff, text_of


@pytest.fixture
def tight_limit(app):
    app.config["SEND_LIMIT_PER_ACCOUNT"] = "3 per minute; 50 per hour"
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def thread(service, marketplace):
    return start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a)


def messages_stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Message))


def test_the_api_answers_429_with_retry_after_once_the_budget_is_spent(app, marketplace, thread, tight_limit):
    client = app.test_client()
    bearer = {"Authorization": f"Bearer {ApiTokens(app.config['SECRET_KEY'], 600).issue(marketplace.customer_a).token}"}
    url = f"/api/v1/shop/messages/{thread.id}/messages"
    for number in range(3):
        assert client.post(url, json={"content": f"message {number}"}, headers=bearer).status_code == 201
    before = messages_stored()
    refused = client.post(url, json={"content": "one too many"}, headers=bearer)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert "Try again in" in refused.get_json()["error"]["message"]
    assert messages_stored() == before
    # Another account has its own budget.
    other = {"Authorization": f"Bearer {ApiTokens(app.config['SECRET_KEY'], 600).issue(marketplace.staff_a).token}"}
    assert client.post(f"/api/v1/vendor/messages/{thread.id}/messages", json={"content": "from the shop"},
                       headers=other).status_code == 201


def test_creating_conversations_spends_the_same_budget(app, marketplace, tight_limit):
    client = app.test_client()
    bearer = {"Authorization": f"Bearer {ApiTokens(app.config['SECRET_KEY'], 600).issue(marketplace.staff_a).token}"}
    body = {"conversation_type": "vendor_customer", "subject": "Offer", "recipient_type": "customer",
            "recipient_id": marketplace.customer_a.id, "initial_message": "Hello"}
    statuses = [client.post("/api/v1/vendor/messages", json=body, headers=bearer).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]


@pytest.mark.parametrize("htmx", [False, True], ids=["no-js", "htmx"])
def test_the_pages_show_the_refusal_beside_the_form_with_the_text_kept(app, marketplace, thread, tight_limit, htmx):
    client = app.test_client()
    sign_in_customer(client, "cust@example", "shop-a")
    url = f"{ROLE_PREFIX['customer']}/{thread.id}/messages"
    headers = {"HX-Request": "true"} if htmx else {}
    for number in range(3):
        assert client.post(url, data={"content": f"message {number}"}, headers=headers).status_code in (200, 302)
    refused = client.post(url, data={"content": "my long careful answer"}, headers=headers)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
    page = text_of(refused)
    assert "faster than this site allows" in page
    assert "my long careful answer" in page
    assert ('<form' in page) and (page.lstrip().lower().startswith("<!doctype html>") != htmx)


def test_pages_and_api_share_one_budget_and_compose_counts(app, marketplace, tight_limit):
    client = app.test_client()
    sign_in_staff(client, "staff@a.example")
    recipient = f"customer:{marketplace.customer_a.id}:"
    compose = {"recipient_type": "customer", "recipient": recipient, "subject": "Hi", "initial_message": "Hello"}
    assert client.post(f"{ROLE_PREFIX['vendor']}/new", data=compose).status_code == 302
    assert client.post(f"{ROLE_PREFIX['vendor']}/new", data={**compose, "action": "search"}).status_code == 200
    bearer = {"Authorization": f"Bearer {ApiTokens(app.config['SECRET_KEY'], 600).issue(marketplace.staff_a).token}"}
    body = {"conversation_type": "vendor_customer", "subject": "Offer", "recipient_type": "customer",
            "recipient_id": marketplace.customer_a.id, "initial_message": "Hello"}
    assert client.post("/api/v1/vendor/messages", json=body, headers=bearer).status_code == 201
    assert client.post("/api/v1/vendor/messages", json=body, headers=bearer).status_code == 201
    refused = client.post(f"{ROLE_PREFIX['vendor']}/new", data=compose)
    assert refused.status_code == 429
    assert "faster than this site allows" in text_of(refused)


def test_the_default_is_generous_for_people_and_a_bad_setting_stops_the_app(app):
    from config import Config
    from messaging import create_app

    assert Config.SEND_LIMIT_PER_ACCOUNT == "20 per minute; 300 per hour"
    with pytest.raises(RuntimeError, match="SEND_LIMIT_PER_ACCOUNT"):
        create_app("testing", overrides={"SEND_LIMIT_PER_ACCOUNT": "lots"})
