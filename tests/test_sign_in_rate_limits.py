"""Brute-force protection of sign-in: the staff page, the shop page and the token endpoint.

Each test sets tight limits on the testing app (whose own are generous, so the rest of
the suite signs in freely); the limits are read on every request.
"""
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from messaging import create_app
from messaging.extensions import db
from tests.factories import PASSWORD

WRONG = "not-the-password"


def staff_page(client, email, password=WRONG, headers=None, **environ):
    return client.post("/login", data={"email": email, "password": password}, headers=headers,
                       environ_base=environ)


def shop_page(client, email, password=WRONG, headers=None, **environ):
    return client.post("/shop/login", data={"email": email, "password": password, "vendor_code": "shop-a"},
                       headers=headers, environ_base=environ)


def token_api(client, email, password=WRONG, headers=None, **environ):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password, "vendor_code": "shop-a"},
                       headers=headers, environ_base=environ)


# Each sign-in with an account of the marketplace fixture that it accepts.
SIGN_INS = {
    "staff page": (staff_page, "staff@a.example", 302),
    "shop page": (shop_page, "cust@example", 302),
    "token API": (token_api, "cust@example", 200),
}


def limits(app, per_address="1000 per hour", per_email="1000 per hour"):
    app.config.update(SIGN_IN_LIMIT_PER_ADDRESS=per_address, SIGN_IN_LIMIT_PER_EMAIL=per_email)


@pytest.fixture(params=list(SIGN_INS))
def sign_in(request):
    return SIGN_INS[request.param]


def test_the_attempt_after_the_email_budget_is_refused_with_429(app, client, marketplace, sign_in):
    attempt, email, _ = sign_in
    limits(app, per_email="3 per 15 minutes")
    assert [attempt(client, email).status_code for _ in range(3)] == [401, 401, 401]
    refused = attempt(client, email)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60


def test_pages_say_when_to_try_again_and_keep_the_email(app, client, marketplace):
    limits(app, per_email="1 per 15 minutes")
    for attempt, email in ((staff_page, "staff@a.example"), (shop_page, "cust@example")):
        attempt(client, email)
        page = attempt(client, email)
        assert page.status_code == 429 and page.mimetype == "text/html"
        text = page.get_data(as_text=True)
        assert "Too many sign-in attempts. Try again in 15 minutes." in text
        assert f'value="{email}"' in text
        assert 'name="password"' in text  # the form is there to try again later


def test_the_api_answers_the_error_envelope_with_retry_after(app, client, marketplace):
    limits(app, per_email="1 per 15 minutes")
    token_api(client, "cust@example")
    refused = token_api(client, "cust@example")
    assert refused.status_code == 429 and refused.mimetype == "application/json"
    assert refused.get_json() == {"error": {
        "code": "too_many_requests", "message": "Too many sign-in attempts. Try again in 15 minutes.",
    }}
    assert 14 * 60 < int(refused.headers["Retry-After"]) <= 15 * 60


def test_once_the_email_budget_is_spent_even_the_right_password_waits(app, client, marketplace, sign_in):
    attempt, email, _ = sign_in
    limits(app, per_email="2 per 15 minutes")
    attempt(client, email)
    attempt(client, email)
    assert attempt(client, email, PASSWORD).status_code == 429


def test_successful_sign_ins_do_not_spend_the_email_budget(app, marketplace, sign_in):
    attempt, email, signed_in = sign_in
    limits(app, per_email="2 per 15 minutes")
    for _ in range(4):
        assert attempt(app.test_client(), email, PASSWORD).status_code == signed_in
    assert attempt(app.test_client(), email).status_code == 401


def test_every_attempt_counts_against_the_address_successful_ones_too(app, marketplace, sign_in):
    attempt, email, signed_in = sign_in
    limits(app, per_address="3 per minute")
    assert [attempt(app.test_client(), email, PASSWORD).status_code for _ in range(3)] == [signed_in] * 3
    assert attempt(app.test_client(), email, PASSWORD).status_code == 429
    elsewhere = attempt(app.test_client(), email, PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert elsewhere.status_code == signed_in


def test_another_email_has_its_own_budget_until_the_address_runs_out(app, client, marketplace):
    limits(app, per_address="5 per minute", per_email="2 per hour")
    assert [staff_page(client, "admin@test.example").status_code for _ in range(3)] == [401, 401, 429]
    assert [staff_page(client, "staff@a.example").status_code for _ in range(2)] == [401, 401]
    # Five attempts from this address so far, the refused one included: the sixth waits, whatever the email.
    assert staff_page(client, "staff2@a.example").status_code == 429


def test_the_pages_and_the_api_share_one_budget_per_email(app, client, marketplace):
    limits(app, per_email="3 per 15 minutes")
    assert shop_page(client, "cust@example").status_code == 401
    assert token_api(client, "cust@example").status_code == 401
    assert shop_page(client, "Cust@Example ").status_code == 401  # the same account, typed differently
    assert token_api(client, "cust@example", PASSWORD).status_code == 429


def test_sign_in_works_again_after_the_window(app, client, marketplace, sign_in):
    attempt, email, signed_in = sign_in
    limits(app, per_email="2 per 1 second")
    attempt(client, email)
    attempt(client, email)
    refused = attempt(client, email, PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    time.sleep(1.1)
    assert attempt(client, email, PASSWORD).status_code == signed_in


def test_nothing_but_the_password_checks_is_limited(app, client, marketplace):
    limits(app, per_address="1 per hour", per_email="1 per hour")
    staff_page(client, "admin@test.example")
    assert staff_page(client, "admin@test.example").status_code == 429
    assert client.get("/login").status_code == 200
    assert client.get("/shop/login").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
    # The vendor choice follows a password check that was already counted; it checks none itself.
    assert client.post("/login/vendor", data={"vendor_code": "shop-a"}).status_code == 302


def test_htmx_requests_get_the_message_for_the_alert_bar(app, client, marketplace):
    limits(app, per_email="1 per 15 minutes")
    staff_page(client, "admin@test.example")
    boosted = staff_page(client, "admin@test.example", headers={"HX-Request": "true", "HX-Boosted": "true"})
    fragment = staff_page(client, "admin@test.example", headers={"HX-Request": "true"})
    message = "Too many sign-in attempts. Try again in 15 minutes."
    for refused in (boosted, fragment):
        assert refused.status_code == 429 and "HX-Request" in refused.headers["Vary"]
        assert json.loads(refused.headers["HX-Trigger"]) == {"page-error": {"message": message}}
    assert message in boosted.get_data(as_text=True)  # a boosted form is a whole page
    assert fragment.data == b"" and fragment.headers["HX-Reswap"] == "none"


def test_a_forwarded_for_header_does_not_escape_the_address_limit(app, client, marketplace):
    limits(app, per_address="2 per minute")
    statuses = [staff_page(client, f"nobody{n}@example", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
                for n in range(3)]
    assert statuses == [401, 401, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_address_budget(tmp_path):
    proxied = create_app("testing", overrides={"TRUSTED_PROXY_COUNT": 1, "ATTACHMENT_ROOT": str(tmp_path),
                                               "SIGN_IN_LIMIT_PER_ADDRESS": "2 per minute"})
    with proxied.app_context():
        db.create_all()
        client = proxied.test_client()

        def from_client(address, email):
            return staff_page(client, email, headers={"X-Forwarded-For": address}).status_code

        assert [from_client("203.0.113.1", f"a{n}@example") for n in range(3)] == [401, 401, 429]
        assert from_client("203.0.113.2", "b@example") == 401
        db.session.remove()
        db.engine.dispose()


def test_a_limit_that_does_not_parse_stops_the_app_from_starting():
    with pytest.raises(RuntimeError, match="SIGN_IN_LIMIT_PER_EMAIL"):
        create_app("testing", overrides={"SIGN_IN_LIMIT_PER_EMAIL": "ten a minute"})


# Its own process: the limiter remembers a dead storage, and that must not leak into other tests.
WITH_STORAGE_DOWN = """
from messaging import create_app
from messaging.extensions import db
from tests.factories import PASSWORD

app = create_app("testing", overrides={"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0",
                                       "SIGN_IN_LIMIT_PER_EMAIL": "2 per hour"})
with app.app_context():
    db.create_all()
    client = app.test_client()
    print(*[client.post("/login", data={"email": "x@example", "password": "wrong"}).status_code for _ in range(3)])
"""


def test_sign_in_stays_limited_while_the_shared_storage_is_down():
    """Nothing listens on port 1: each worker falls back to counting alone instead of failing sign-in."""
    finished = subprocess.run([sys.executable, "-c", WITH_STORAGE_DOWN], cwd=Path(__file__).resolve().parent.parent,
                              capture_output=True, text=True, timeout=60, check=True)
    assert finished.stdout.split() == ["401", "401", "429"]
