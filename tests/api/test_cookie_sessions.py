"""A browser session may call the API too; its unsafe calls then need the CSRF token."""
import pytest
from flask import session
from flask_wtf.csrf import generate_csrf

from messaging.auth import sign_in
from messaging.services import accounts
from messaging.services.accounts import SignedIn
from tests.api.api_support import error_of
from tests.factories import PASSWORD


@pytest.fixture
def browser(app, client, marketplace):
    """A client signed in as customer A the way the pages sign people in, and its CSRF token."""
    customer = accounts.authenticate_customer("cust@example", PASSWORD, "shop-a")
    with app.test_request_context():
        sign_in(SignedIn(customer.account, customer.principal))
        token = generate_csrf()
        saved = dict(session)
    with client.session_transaction() as browser_session:
        browser_session.update(saved)
    return client, token


def test_reading_with_the_session_cookie(browser, threads):
    client, _ = browser
    response = client.get("/api/v1/shop/messages")
    assert response.status_code == 200
    assert {i["subject"] for i in response.get_json()["items"]} == {"Your order", "Verify account"}


def test_unsafe_calls_without_the_csrf_token_are_refused(browser, threads):
    client, token = browser
    url = f"/api/v1/shop/messages/{threads['vendor_customer'].id}/messages"
    refused = client.post(url, json={"content": "forged?"})
    assert refused.status_code == 400
    assert error_of(refused)["code"] == "csrf_failed"
    accepted = client.post(url, json={"content": "mine"}, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_the_session_role_must_match_the_surface(browser):
    client, _ = browser
    assert error_of(client.get("/api/v1/admin/messages"))["code"] == "wrong_role"


def test_bearer_calls_need_no_csrf_token(caller, marketplace, threads):
    response = caller(marketplace.customer_a).post(f"/{threads['vendor_customer'].id}/messages", json={"content": "hi"})
    assert response.status_code == 201


def test_bearer_calls_pass_the_apps_csrf_protection(app, caller, marketplace, threads):
    app.config["WTF_CSRF_ENABLED"] = True  # as in production
    api = caller(marketplace.customer_a)
    assert api.post(f"/{threads['vendor_customer'].id}/messages", json={"content": "hi"}).status_code == 201
    assert api.client.post("/api/v1/auth/token", json={"email": "cust@example", "password": PASSWORD,
                                                       "vendor_code": "shop-a"}).status_code == 200
