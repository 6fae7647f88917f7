"""Plain input that answered 500 on main (issue 8, item 2) now gets a clear 4xx.

Under /api/ the error envelope; elsewhere the page with a message. Runs on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL, where NUL bytes and ids past 2³¹−1 used to fail in the driver.
"""
import json

import pytest
from sqlalchemy import func, select

from messaging.extensions import db
from messaging.models import Conversation, Message
from messaging.services.api_tokens import ApiTokens
from tests.factories import PASSWORD
from tests.web.page_support import ROLE_PREFIX, text_of

DEEP_JSON = "[" * 100_000 + "]" * 100_000
LONE_SURROGATE = '"\\ud800"'  # JSON text of a string holding an unpaired surrogate
HUGE = "99999999999999999999"


def envelope(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["message"]
    if code:
        assert error["code"] == code
    return error


def page_with_message(response, status: int, text: str):
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "text/html"
    assert text in text_of(response)


def stored() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Conversation)),
            db.session.scalar(select(func.count()).select_from(Message)))


@pytest.fixture
def bearer(app, marketplace):
    def make(principal):
        return {"Authorization": f"Bearer {ApiTokens(app.config['SECRET_KEY'], 600).issue(principal).token}",
                "Content-Type": "application/json"}
    return make


# ------------------------------------------------------------------ JSON: lone surrogates and deep nesting


@pytest.mark.parametrize("field", ["email", "password", "vendor_code"])
def test_a_lone_surrogate_in_the_token_request_is_a_validation_error(client, marketplace, field):
    values = {"email": '"cust@example"', "password": '"x"', "vendor_code": '"shop-a"'}
    values[field] = LONE_SURROGATE
    body = "{" + ", ".join(f'"{name}": {value}' for name, value in values.items()) + "}"
    error = envelope(client.post("/api/v1/auth/token", data=body, content_type="application/json"), 422,
                     "validation_error")
    assert field in error["fields"]


def test_a_lone_surrogate_in_content_or_subject_stores_nothing(client, marketplace, threads, bearer):
    before = stored()
    url = f"/api/v1/vendor/messages/{threads['vendor_customer'].id}/messages"
    envelope(client.post(url, data='{"content": ' + LONE_SURROGATE + '}', headers=bearer(marketplace.staff_a)), 422)
    create = {"conversation_type": "vendor_customer", "subject": "\ud800", "recipient_type": "customer",
              "recipient_id": marketplace.customer_a.id, "initial_message": "hi"}
    body = json.dumps(create)  # json.dumps writes the surrogate as \ud800
    envelope(client.post("/api/v1/vendor/messages", data=body, headers=bearer(marketplace.staff_a)), 422)
    assert stored() == before


def test_deeply_nested_json_is_invalid_json(client, marketplace, threads, bearer):
    envelope(client.post("/api/v1/auth/token", data=DEEP_JSON, content_type="application/json"), 400, "invalid_json")
    url = f"/api/v1/vendor/messages/{threads['vendor_customer'].id}/messages"
    envelope(client.post(url, data=DEEP_JSON, headers=bearer(marketplace.staff_a)), 400, "invalid_json")
    envelope(client.post(url, data='{"content": ' + "[" * 40 + "]" * 40 + "}", headers=bearer(marketplace.staff_a)),
             400, "invalid_json")


# ------------------------------------------------------------------ ids and page numbers on the pages


@pytest.mark.parametrize("path", [
    f"/{HUGE}", "/2147483648", "/0", "/-1", f"/{HUGE}/updates", "/1/attachments/2147483648",
    f"/1/attachments/{HUGE}",
])
def test_ids_out_of_range_on_the_pages_are_the_404_page(vendor_client, threads, path):
    page_with_message(vendor_client.get(ROLE_PREFIX["vendor"] + path), 404, "Page not found")


@pytest.mark.parametrize("action", ["messages", "close", "reopen", "read", "preferences"])
def test_posts_to_ids_out_of_range_are_the_404_page(vendor_client, threads, action):
    before = stored()
    for conversation_id in (HUGE, "2147483648"):
        response = vendor_client.post(f"{ROLE_PREFIX['vendor']}/{conversation_id}/{action}", data={"content": "x"})
        page_with_message(response, 404, "Page not found")
    assert stored() == before


def test_page_numbers_out_of_range_show_the_first_page(vendor_client, threads):
    for page in (HUGE, "2147483648", "-5", "0", "1e9"):
        response = vendor_client.get(ROLE_PREFIX["vendor"], query_string={"page": page, "per_page": HUGE})
        assert response.status_code == 200
        assert "Your order" in text_of(response)


def test_a_recipient_id_out_of_range_in_compose_is_refused_beside_the_form(vendor_client, threads):
    before = stored()
    for recipient in (f"customer:{HUGE}:", "customer:2147483648:", f"customer:1:{HUGE}", "customer:-3:"):
        response = vendor_client.post(f"{ROLE_PREFIX['vendor']}/new", data={
            "recipient_type": "customer", "recipient": recipient, "subject": "Hello", "initial_message": "Hi"})
        page_with_message(response, 422, "Choose who the conversation is with.")
        assert 'value="Hello"' in text_of(response)
    assert stored() == before


# ------------------------------------------------------------------ NUL characters


@pytest.mark.parametrize("url, extra", [("/login", {}), ("/shop/login", {"vendor_code": "shop-a"})])
def test_nul_in_the_sign_in_email_on_the_pages(client, marketplace, url, extra):
    response = client.post(url, data={"email": "cust\x00@example", "password": PASSWORD, **extra})
    page_with_message(response, 422, "NUL")


def test_nul_in_the_sign_in_email_on_the_api(client, marketplace):
    error = envelope(client.post("/api/v1/auth/token", json={"email": "cust\x00@example", "password": "x"}), 422)
    assert "email" in error["fields"]


def test_nul_in_searches(client, vendor_client, marketplace, threads, bearer):
    headers = bearer(marketplace.staff_a)
    envelope(client.get("/api/v1/vendor/messages", query_string={"q": "or\x00der"}, headers=headers), 422)
    envelope(client.get("/api/v1/vendor/messages/recipients", query_string={"type": "customer", "q": "\x00"},
                        headers=headers), 422)
    page_with_message(vendor_client.get(ROLE_PREFIX["vendor"], query_string={"q": "a\x00b"}), 422, "NUL")
    page_with_message(vendor_client.get(f"{ROLE_PREFIX['vendor']}/new", query_string={"recipient_q": "\x00"}),
                      422, "NUL")


def test_nul_in_content_and_subjects_stores_nothing(client, vendor_client, marketplace, threads, bearer):
    before = stored()
    conversation_id = threads["vendor_customer"].id
    envelope(client.post(f"/api/v1/vendor/messages/{conversation_id}/messages", json={"content": "a\x00b"},
                         headers=bearer(marketplace.staff_a)), 422)
    envelope(client.post(f"/api/v1/vendor/messages/{conversation_id}/messages", data={"content": "a\x00b"},
                         headers={"Authorization": bearer(marketplace.staff_a)["Authorization"]}), 422)
    envelope(client.post("/api/v1/vendor/messages", json={
        "conversation_type": "vendor_customer", "subject": "\x00", "recipient_type": "customer",
        "recipient_id": marketplace.customer_a.id, "initial_message": "hi"}, headers=bearer(marketplace.staff_a)), 422)
    page_with_message(vendor_client.post(f"{ROLE_PREFIX['vendor']}/{conversation_id}/messages",
                                         data={"content": "a\x00b"}), 422, "NUL")
    page_with_message(vendor_client.post(f"{ROLE_PREFIX['vendor']}/new", data={
        "recipient_type": "customer", "recipient": f"customer:{marketplace.customer_a.id}:",
        "subject": "nul\x00", "initial_message": "Hi"}), 422, "NUL")
    fragment = vendor_client.post(f"{ROLE_PREFIX['vendor']}/{conversation_id}/messages", data={"content": "a\x00b"},
                                  headers={"HX-Request": "true"})
    assert fragment.status_code == 422 and "NUL" in fragment.headers["HX-Trigger"]
    assert stored() == before
