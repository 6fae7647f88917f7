"""Signing out really signs out (issue 8, item 3): a copied session cookie or an old token stops working.

Sign-out, "sign out everywhere", a new password and deactivation move the account's session
version on; every session and API token issued under the old one is refused from then on.
"""
import pytest
from sqlalchemy import select

from messaging.extensions import db
from messaging.models import Customer, User
from messaging.services import accounts
from tests.factories import PASSWORD
from tests.web.page_support import ROLE_PREFIX, csrf_token_in, sign_in_customer, sign_in_staff, text_of


def copied_cookie(app, client):
    """A second browser holding the same session cookie (what an attacker copies)."""
    copy = app.test_client()
    cookie = client.get_cookie("session")
    copy.set_cookie(cookie.key, cookie.value)
    return copy


def token_for(client, email, password=PASSWORD, **extra):
    response = client.post("/api/v1/auth/token", json={"email": email, "password": password, **extra})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


def test_a_cookie_copied_before_sign_out_opens_nothing_afterwards(app, marketplace, threads, admin_client):
    thread = f"{ROLE_PREFIX['admin']}/{threads['admin_vendor'].id}"
    copy = copied_cookie(app, admin_client)
    assert copy.get(thread).status_code == 200
    assert copy.get("/api/v1/admin/messages").status_code == 200

    admin_client.post("/logout")

    assert copy.get(thread).status_code == 302  # to the sign-in page
    assert copy.get("/api/v1/admin/messages").status_code == 401
    assert admin_client.get(thread).status_code == 302


def test_sign_out_everywhere_ends_other_browsers_and_api_tokens(app, marketplace, threads):
    laptop, phone, script = app.test_client(), app.test_client(), app.test_client()
    sign_in_staff(laptop, "staff@a.example")
    sign_in_staff(phone, "staff@a.example")
    token = token_for(script, "staff@a.example")
    bearer = {"Authorization": f"Bearer {token}"}
    assert script.get("/api/v1/vendor/messages", headers=bearer).status_code == 200

    page = text_of(laptop.get(ROLE_PREFIX["vendor"]))
    assert 'action="/logout/everywhere"' in page and "Sign out everywhere" in page
    signed_out = laptop.post("/logout/everywhere", follow_redirects=True)
    assert "signed out everywhere" in text_of(signed_out)

    assert phone.get(ROLE_PREFIX["vendor"]).status_code == 302
    assert script.get("/api/v1/vendor/messages", headers=bearer).status_code == 401
    # Signing in again works, with a new session and a new token.
    sign_in_staff(phone, "staff@a.example")
    assert phone.get(ROLE_PREFIX["vendor"]).status_code == 200
    assert script.get("/api/v1/vendor/messages",
                      headers={"Authorization": f"Bearer {token_for(script, 'staff@a.example')}"}).status_code == 200


def test_the_api_revokes_every_token_of_the_caller(app, marketplace, threads):
    client = app.test_client()
    first = {"Authorization": f"Bearer {token_for(client, 'cust@example', vendor_code='shop-a')}"}
    second = {"Authorization": f"Bearer {token_for(client, 'cust@example', vendor_code='shop-a')}"}
    browser = app.test_client()
    sign_in_customer(browser, "cust@example", "shop-a")

    revoked = client.post("/api/v1/auth/revoke", headers=first)
    assert revoked.status_code == 204
    for headers in (first, second):
        refused = client.get("/api/v1/shop/messages", headers=headers)
        assert refused.status_code == 401
        assert refused.get_json()["error"]["code"] == "invalid_token"
    assert browser.get(ROLE_PREFIX["customer"]).status_code == 302
    # Another account's tokens are untouched.
    other = {"Authorization": f"Bearer {token_for(client, 'cust2@example', vendor_code='shop-a')}"}
    assert client.get("/api/v1/shop/messages", headers=other).status_code == 200


def test_revoking_needs_a_credential(client, marketplace):
    refused = client.post("/api/v1/auth/revoke")
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "unauthenticated"


def test_revoking_with_the_session_cookie_needs_the_csrf_token(app, marketplace):
    app.config["WTF_CSRF_ENABLED"] = True
    browser = app.test_client()
    login_page = text_of(browser.get("/login"))
    browser.post("/login", data={"email": "admin@test.example", "password": PASSWORD,
                                 "csrf_token": csrf_token_in(login_page)})
    token = csrf_token_in(text_of(browser.get(ROLE_PREFIX["admin"])))
    assert browser.post("/api/v1/auth/revoke").status_code == 400
    assert browser.post("/api/v1/auth/revoke", headers={"X-CSRFToken": token}).status_code == 204
    assert browser.get(ROLE_PREFIX["admin"]).status_code == 302


@pytest.mark.parametrize("change", ["set-password", "deactivate"])
def test_a_new_password_or_deactivation_ends_sessions_and_tokens(app, marketplace, threads, change):
    browser, script = app.test_client(), app.test_client()
    sign_in_customer(browser, "cust@example", "shop-a")
    bearer = {"Authorization": f"Bearer {token_for(script, 'cust@example', vendor_code='shop-a')}"}

    arguments = [change, "cust@example", "--shop", "shop-a"]
    if change == "set-password":
        arguments += ["--password", "a-brand-new-password"]
    result = app.test_cli_runner().invoke(args=["accounts", *arguments])
    assert result.exit_code == 0, result.output

    assert browser.get(ROLE_PREFIX["customer"]).status_code == 302
    assert script.get("/api/v1/shop/messages", headers=bearer).status_code == 401
    if change == "set-password":
        token_for(script, "cust@example", "a-brand-new-password", vendor_code="shop-a")


def test_the_service_moves_the_version_on(app, marketplace):
    user = db.session.scalar(select(User).where(User.email == "staff@a.example"))
    before = user.session_version
    accounts.change_password(user, "another-password")
    db.session.commit()
    assert db.session.scalar(select(User.session_version).where(User.id == user.id)) == before + 1
    customer = db.session.scalar(select(Customer).where(Customer.email == "cust2@example"))
    accounts.deactivate(customer)
    db.session.commit()
    assert customer.is_active is False and customer.session_version == 2


def test_checking_the_session_costs_no_extra_query(app, marketplace, threads, admin_client, count_queries):
    """One query by primary key loads the account and checks its version: the page costs what it did."""
    url = f"{ROLE_PREFIX['admin']}/unread-badge"
    admin_client.get(url, headers={"HX-Request": "true"})
    with count_queries() as counter:
        assert admin_client.get(url, headers={"HX-Request": "true"}).status_code == 200
    account_loads = [s for s in counter.statements if "FROM users" in s and "users.id = " in s]
    assert len(account_loads) == 1, counter.statements
