"""Sign-in for staff and customers, the vendor choice and switcher, sign-out, CSRF."""
import pytest

from messaging.models import ConversationType
from tests.factories import start
from tests.web.page_support import HTMX, PASSWORD, csrf_token_in, is_full_page, sign_in_customer, sign_in_staff, text_of


def test_root_sends_visitors_to_the_staff_sign_in(client, app):
    assert client.get("/").location.endswith("/login")


def test_wrong_password_is_refused_and_keeps_the_email(client, marketplace):
    response = client.post("/login", data={"email": "admin@test.example", "password": "nope"})
    assert response.status_code == 401
    assert "Email or password is wrong" in text_of(response)
    assert 'value="admin@test.example"' in text_of(response)


def test_admin_lands_on_the_admin_messages(client, marketplace):
    assert sign_in_staff(client, "admin@test.example").location.endswith("/admin/messages")
    assert client.get("/").location.endswith("/admin/messages")


def test_vendor_user_of_one_vendor_lands_on_the_vendor_messages(client, marketplace):
    assert sign_in_staff(client, "staff@a.example").location.endswith("/vendor/messages")


def test_user_of_several_vendors_chooses_one_then_switches(client, service, marketplace):
    m = marketplace
    start(service, m.admin, ConversationType.ADMIN_VENDOR, m.multi_in_a, "Only at A")
    start(service, m.admin, ConversationType.ADMIN_VENDOR, m.multi_in_b, "Only at B")
    choice = client.post("/login", data={"email": "multi@example", "password": PASSWORD})
    assert choice.status_code == 200 and "Shop A" in text_of(choice) and "Shop B" in text_of(choice)
    assert client.post("/login/vendor", data={"vendor_code": "shop-a"}).location.endswith("/vendor/messages")
    page = text_of(client.get("/vendor/messages"))
    assert "Only at A" in page and "Only at B" not in page
    assert 'id="vendor-switch"' in page
    assert client.post("/vendor/switch", data={"vendor_code": "shop-b"}).status_code == 302
    page = text_of(client.get("/vendor/messages"))
    assert "Only at B" in page and "Only at A" not in page


def test_switching_to_a_vendor_one_is_not_staff_of_is_refused(client, marketplace):
    sign_in_staff(client, "staff@a.example")
    assert client.post("/vendor/switch", data={"vendor_code": "shop-b"}).status_code == 403
    assert 'id="vendor-switch"' not in text_of(client.get("/vendor/messages"))


def test_vendor_choice_needs_the_password_first(client, marketplace):
    assert client.post("/login/vendor", data={"vendor_code": "shop-a"}).location.endswith("/login")


def test_customer_signs_in_choosing_the_shop(client, marketplace):
    page = text_of(client.get("/shop/login"))
    assert "Shop A" in page and "Shop B" in page
    wrong_shop = client.post("/shop/login", data={"email": "cust2@example", "password": PASSWORD, "vendor_code": "shop-b"})
    assert wrong_shop.status_code == 401
    response = client.post("/shop/login", data={"email": "cust@example", "password": PASSWORD, "vendor_code": "shop-b"})
    assert response.location.endswith("/shop/account")
    assert "Cleo Customer" in text_of(client.get("/shop/account"))


def test_anonymous_visitors_are_sent_to_the_right_sign_in_page(client, app):
    assert client.get("/admin/messages/5").location == "/login?next=/admin/messages/5"
    assert client.get("/shop/account/messages").location.startswith("/shop/login?next=")
    expired = client.get("/admin/messages", headers=HTMX)
    assert expired.status_code == 401 and expired.headers["HX-Redirect"] == "/login"


def test_next_only_leads_to_this_site(client, marketplace):
    response = client.post("/login?next=https://evil.example/", data={"email": "admin@test.example", "password": PASSWORD})
    assert response.location.endswith("/admin/messages")
    response = client.post("/login?next=/admin/messages/3", data={"email": "admin@test.example", "password": PASSWORD})
    assert response.location.endswith("/admin/messages/3")


@pytest.mark.parametrize(
    "email, path",
    [("cust@example", "/admin/messages"), ("staff@a.example", "/admin/messages"), ("admin@test.example", "/shop/account")],
)
def test_other_roles_pages_are_forbidden(client, marketplace, email, path):
    if email == "cust@example":
        client.post("/shop/login", data={"email": email, "password": PASSWORD, "vendor_code": "shop-a"})
    else:
        sign_in_staff(client, email)
    response = client.get(path)
    assert response.status_code == 403 and is_full_page(response)


def test_sign_out_returns_customers_to_the_shop_sign_in(client, marketplace):
    client.post("/shop/login", data={"email": "cust@example", "password": PASSWORD, "vendor_code": "shop-a"})
    assert client.post("/logout").location.endswith("/shop/login")
    assert client.get("/shop/account").status_code == 302


# ------------------------------------------------------------------ CSRF


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_forms_without_the_csrf_token_are_refused(csrf_app, marketplace):
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": "admin@test.example", "password": PASSWORD})
    assert response.status_code == 400
    assert is_full_page(response) and "Reload the page" in text_of(response)


def test_csrf_token_works_in_forms_and_in_the_htmx_header(csrf_app, service, marketplace):
    client = csrf_app.test_client()
    token = csrf_token_in(text_of(client.get("/login")))
    signed_in = client.post("/login", data={"email": "admin@test.example", "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    conversation = start(service, marketplace.admin, ConversationType.ADMIN_VENDOR, marketplace.staff_a, "Fees")
    page = text_of(client.get(f"/admin/messages/{conversation.id}"))
    assert "X-CSRFToken" in page  # hx-headers on <body>: button-only htmx posts carry the token too
    token = csrf_token_in(page)
    refused = client.post(f"/admin/messages/{conversation.id}/close", headers=HTMX)
    assert refused.status_code == 400
    closed = client.post(f"/admin/messages/{conversation.id}/close", headers={**HTMX, "X-CSRFToken": token})
    assert closed.status_code == 200


def test_two_clients_in_one_test_stay_signed_in_as_themselves(app, marketplace):
    admin, customer = app.test_client(), app.test_client()
    sign_in_staff(admin, "admin@test.example")
    sign_in_customer(customer, "cust@example", "shop-a")
    assert admin.get("/admin/messages").status_code == 200
    assert customer.get("/shop/account/messages").status_code == 200
    assert customer.get("/admin/messages").status_code in (302, 403, 404)
    assert admin.get("/admin/messages").status_code == 200
