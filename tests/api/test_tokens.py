"""POST /api/v1/auth/token, and what makes a token stop working."""
import time
from datetime import datetime, timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from messaging import remembered_signatures
from messaging.extensions import db
from messaging.models import Customer, User
from messaging.services.api_tokens import TOKEN_SALT, ApiTokens
from tests.api.api_support import error_of
from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token"


def sign_in(client, **credentials):
    return client.post(TOKEN_URL, json={"password": PASSWORD, **credentials})


@pytest.mark.parametrize(
    "credentials, principal_type, name",
    [
        ({"email": "admin@test.example"}, "admin", "Ada Admin"),
        ({"email": "staff@a.example"}, "vendor", "Sara A"),
        ({"email": "multi@example", "vendor_code": "shop-b"}, "vendor", "Mo Multi"),
        ({"email": "cust@example", "vendor_code": "shop-b"}, "customer", "Cleo Customer"),
        ({"email": "cust@example", "vendor_code": "shop-a", "account_type": "customer"}, "customer", "Cora Customer"),
    ],
)
def test_token_for_every_kind_of_account(client, marketplace, credentials, principal_type, name):
    response = sign_in(client, **credentials)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"token", "expires_at", "principal"}
    assert body["principal"]["type"] == principal_type and body["principal"]["name"] == name
    expires_at = datetime.fromisoformat(body["expires_at"].removesuffix("Z"))
    assert timedelta(hours=11) < expires_at - datetime.utcnow() <= timedelta(hours=12)
    role = {"admin": "admin", "vendor": "vendor", "customer": "shop"}[principal_type]
    listed = client.get(f"/api/v1/{role}/messages", headers={"Authorization": f"Bearer {body['token']}"})
    assert listed.status_code == 200


def test_a_token_acts_for_the_chosen_vendor(client, marketplace):
    token = sign_in(client, email="multi@example", vendor_code="shop-b").get_json()["token"]
    principal = ApiTokens(client.application.config["SECRET_KEY"], 60).principal_for(token)
    assert principal.vendor_id == marketplace.vendor_b.id


def test_vendor_user_of_several_vendors_must_choose(client, marketplace):
    response = sign_in(client, email="multi@example")
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "vendor_choice_required" and "shop-a" in error["fields"]["vendor_code"]


@pytest.mark.parametrize(
    "credentials",
    [
        {"email": "admin@test.example", "password": "wrong-password"},
        {"email": "nobody@test.example"},
        {"email": "cust@example", "vendor_code": "shop-c"},
        {"email": "staff@a.example", "vendor_code": "shop-b", "account_type": "staff"},
    ],
)
def test_wrong_credentials_are_401(client, marketplace, credentials):
    response = client.post(TOKEN_URL, json={"password": PASSWORD, **credentials})
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_credentials"


def test_deactivated_accounts_get_no_token(client, marketplace):
    db.session.get(User, marketplace.staff_a.id).is_active = False
    db.session.commit()
    assert sign_in(client, email="staff@a.example").status_code == 401


@pytest.mark.parametrize("body", [{"email": "a@b.c"}, {"email": 5, "password": "x"}, {"email": "a", "password": "b", "role": "x"}])
def test_malformed_token_requests_are_422(client, marketplace, body):
    response = client.post(TOKEN_URL, json=body)
    assert response.status_code == 422
    assert error_of(response)["code"] == "validation_error"


def test_invalid_json_is_400(client, marketplace):
    response = client.post(TOKEN_URL, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_json"


def test_a_deactivated_account_loses_its_tokens(caller, marketplace, threads):
    api = caller(marketplace.customer_a)
    assert api.get().status_code == 200
    db.session.get(Customer, marketplace.customer_a.id).is_active = False
    db.session.commit()
    response = api.get()
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_token"
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_expired_and_forged_tokens_are_401(caller, marketplace, app, tokens, monkeypatch):
    issued_long_ago = int(time.time()) - app.config["API_TOKEN_MAX_AGE_SECONDS"] - 1
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: issued_long_ago)
        expired = tokens.issue(marketplace.admin).token
    assert caller(marketplace.admin).get().status_code == 200  # a fresh token of the same admin works
    forged = URLSafeTimedSerializer("not-the-secret", salt=TOKEN_SALT).dumps({"type": "admin", "id": marketplace.admin.id})
    for token in (expired, forged, "garbage", expired[:-2]):
        response = caller(None, role="admin", authorization=f"Bearer {token}").get()
        assert response.status_code == 401
        assert error_of(response)["code"] == "invalid_token"


def test_anonymous_is_401(caller, marketplace):
    response = caller(None, role="shop").get()
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("who, role", [("admin", "shop"), ("customer_a", "admin"), ("staff_a", "admin"), ("admin", "vendor")])
def test_a_token_of_another_role_is_401_wrong_role(caller, marketplace, who, role):
    response = caller(getattr(marketplace, who), role=role).get()
    assert response.status_code == 401
    assert error_of(response)["code"] == "wrong_role"


def test_a_token_in_use_expires_on_time(caller, marketplace, app, monkeypatch):
    """Its signature is checked once and remembered (messaging/remembered_signatures.py); its age, every time."""
    api = caller(marketplace.admin)
    assert api.get().status_code == 200
    assert api.get().status_code == 200
    later = time.time() + app.config["API_TOKEN_MAX_AGE_SECONDS"] + 60
    monkeypatch.setattr(remembered_signatures.time, "time", lambda: later)
    response = api.get()
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_token"
