"""Account enumeration by timing (issue 8, item 4): an unknown email costs the same hashing as a known one.

The time of a sign-in is dominated by the password hash; counting hash computations per
attempt checks what timing would, without a timed test. Every path is covered: the staff
page, the shop page and the token endpoint (with and without a shop).
"""
import pytest
import werkzeug.security

from messaging.extensions import db
from messaging.services import accounts
from tests.factories import PASSWORD


@pytest.fixture
def hashes_computed(monkeypatch):
    computed = []
    original = werkzeug.security._hash_internal

    def counting(method, salt, password):
        computed.append(method)
        return original(method, salt, password)

    monkeypatch.setattr(werkzeug.security, "_hash_internal", counting)
    return computed


def work_of(hashes_computed, attempt) -> list:
    hashes_computed.clear()
    response = attempt()
    assert response.status_code == 401, response.data[:300]
    return list(hashes_computed)


ATTEMPTS = {
    "staff page": lambda client, email: client.post("/login", data={"email": email, "password": "wrong-password"}),
    "shop page": lambda client, email: client.post(
        "/shop/login", data={"email": email, "password": "wrong-password", "vendor_code": "shop-a"}),
    "token": lambda client, email: client.post(
        "/api/v1/auth/token", json={"email": email, "password": "wrong-password"}),
    "token for a shop": lambda client, email: client.post(
        "/api/v1/auth/token", json={"email": email, "password": "wrong-password", "vendor_code": "shop-a"}),
}
KNOWN = {"staff page": "staff@a.example", "shop page": "cust@example", "token": "admin@test.example",
         "token for a shop": "cust@example"}


@pytest.mark.parametrize("path", list(ATTEMPTS))
def test_unknown_and_known_emails_cost_the_same_hashing(app, marketplace, hashes_computed, path):
    client = app.test_client()
    attempt = ATTEMPTS[path]
    work_of(hashes_computed, lambda: attempt(client, "warm-up@nowhere.example"))  # the stand-in hash, made once
    known = work_of(hashes_computed, lambda: attempt(client, KNOWN[path]))
    unknown = work_of(hashes_computed, lambda: attempt(client, "nobody@nowhere.example"))
    assert known and unknown == known


def test_a_disabled_account_costs_the_same_as_an_active_one(app, marketplace, hashes_computed):
    client = app.test_client()
    attempt = ATTEMPTS["staff page"]
    work_of(hashes_computed, lambda: attempt(client, "warm-up@nowhere.example"))
    active = work_of(hashes_computed, lambda: attempt(client, "staff@a.example"))
    accounts.deactivate(accounts.staff_by_email("staff2@a.example"))
    db.session.commit()  # as its callers do: left pending, anything that rolls the shared connection back undoes it
    disabled = client.post("/login", data={"email": "staff2@a.example", "password": PASSWORD})
    assert disabled.status_code == 401
    assert work_of(hashes_computed, lambda: attempt(client, "staff2@a.example")) == active


def test_the_stand_in_hash_uses_the_configured_method(app, marketplace, hashes_computed):
    client = app.test_client()
    work_of(hashes_computed, lambda: ATTEMPTS["token"](client, "nobody@nowhere.example"))
    assert hashes_computed and all(method.startswith("pbkdf2:sha256:1000") for method in hashes_computed)
