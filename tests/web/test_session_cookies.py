"""The session cookie is verified once per process and remembered (messaging/session_cookies.py):
what was refused before is still refused, and no request sees another's session."""
import time

from flask import Flask

from messaging import remembered_signatures
from messaging.session_cookies import RememberingCookieSessionInterface
from tests.web.page_support import HTMX

INBOX = "/vendor/messages"
BADGE = "/vendor/messages/unread-badge"


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def is_signed_in(client) -> bool:
    return client.get(INBOX).status_code == 200


def test_a_remembered_cookie_keeps_its_account_signed_in(vendor_client, threads):
    assert is_signed_in(vendor_client)
    assert is_signed_in(vendor_client)
    assert vendor_client.get(BADGE, headers=HTMX).status_code == 200


def test_a_tampered_cookie_is_refused_even_after_the_genuine_one_was_remembered(app, vendor_client, threads):
    assert is_signed_in(vendor_client)  # the genuine cookie is remembered now
    genuine = session_cookie(vendor_client)
    # A character inside the signed payload (the signature's last one may carry only padding bits).
    middle = len(genuine) // 3
    forged = genuine[:middle] + ("x" if genuine[middle] != "x" else "y") + genuine[middle + 1:]
    stranger = app.test_client()
    stranger.set_cookie("session", forged)
    assert stranger.get(INBOX).status_code == 302
    stranger.set_cookie("session", genuine)
    assert stranger.get(INBOX).status_code == 200


def test_a_remembered_cookie_expires_with_the_session_lifetime(app, vendor_client, threads, monkeypatch):
    assert is_signed_in(vendor_client)
    lifetime = app.permanent_session_lifetime.total_seconds()
    later = time.time() + lifetime + 60
    monkeypatch.setattr(remembered_signatures.time, "time", lambda: later)
    assert vendor_client.get(INBOX).status_code == 302


def test_a_cookie_signed_with_another_key_is_refused(app, vendor_client, threads):
    other = Flask("other")
    other.secret_key = "another-secret-key"
    other.config["SECRET_KEY_FALLBACKS"] = []
    genuine = session_cookie(vendor_client)
    foreign = RememberingCookieSessionInterface().get_signing_serializer(other).dumps(
        app.session_interface.get_signing_serializer(app).loads(genuine))
    stranger = app.test_client()
    stranger.set_cookie("session", foreign)
    assert stranger.get(INBOX).status_code == 302


def test_each_request_gets_a_session_of_its_own(app):
    interface = RememberingCookieSessionInterface()
    app.session_interface = interface
    cookie = interface.get_signing_serializer(app).dumps({"acting_as": {"type": "vendor", "vendor_id": 1}})
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}) as first:
        one = interface.open_session(app, first.request)
        one["acting_as"]["vendor_id"] = 2  # changed in place by one request
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}) as second:
        other = interface.open_session(app, second.request)
    assert other["acting_as"] == {"type": "vendor", "vendor_id": 1}


def test_forgotten_cookies_are_verified_again(app):
    interface = RememberingCookieSessionInterface(remembered=2)
    serializer = interface.get_signing_serializer(app)
    cookies = [serializer.dumps({"n": n}) for n in range(3)]
    for _ in range(2):
        for n, cookie in enumerate(cookies):
            with app.test_request_context(headers={"Cookie": f"session={cookie}"}) as context:
                assert interface.open_session(app, context.request)["n"] == n
    assert len(interface._for_keys(app)[1]) == 2
