"""Bidi controls never reach a page (issue 8, item 7): ``https://x.test/\u202egpj.exe`` must not read ``…exe.jpg``."""
import pytest

from messaging.extensions import db
from messaging.models import ConversationType, Customer
from messaging.services.api_tokens import ApiTokens
from messaging.web.bidi import BIDI_CONTROLS
from messaging.web.message_body import message_body
from tests.factories import start
from tests.web.page_support import ROLE_PREFIX, text_of

RLO = "\u202e"


def test_link_text_and_target_lose_every_bidi_control():
    html = str(message_body(f"Invoice: https://x.test/{RLO}gpj.exe and more"))
    assert RLO not in html
    assert '<a href="https://x.test/gpj.exe"' in html and ">https://x.test/gpj.exe</a>" in html


@pytest.mark.parametrize("control", list(BIDI_CONTROLS))
def test_each_control_is_removed_from_bodies(control):
    assert control not in str(message_body(f"abc{control}def https://a.test/{control}x"))


def test_subjects_bodies_and_names_on_the_pages_carry_no_bidi_controls(app, service, marketplace, vendor_client):
    customer = db.session.get(Customer, marketplace.customer_a.id)
    customer.full_name = f"Cora {RLO}nimda"
    db.session.commit()
    conversation = start(
        service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a,
        subject=f"Refund {RLO}fdp.exe", text=f"\u2066Look\u2069 at https://x.test/{RLO}gpj.exe \u200fnow\u061c",
    )
    for url in (ROLE_PREFIX["vendor"], f"{ROLE_PREFIX['vendor']}/{conversation.id}"):
        page = text_of(vendor_client.get(url))
        assert not any(control in page for control in BIDI_CONTROLS), url
        assert "Refund fdp.exe" in page and "Cora nimda" in page
    thread = text_of(vendor_client.get(f"{ROLE_PREFIX['vendor']}/{conversation.id}"))
    assert ">https://x.test/gpj.exe</a>" in thread
    fragment = text_of(vendor_client.get(ROLE_PREFIX["vendor"], headers={"HX-Request": "true"}))
    assert RLO not in fragment and "Refund fdp.exe" in fragment


def test_the_api_returns_what_was_sent(app, service, marketplace):
    """Stored text is not rewritten: the API gives clients the exact text, and they render it themselves."""
    conversation = start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a,
                         subject=f"A{RLO}B")
    token = ApiTokens(app.config["SECRET_KEY"], 60).issue(marketplace.staff_a).token
    body = app.test_client().get(f"/api/v1/vendor/messages/{conversation.id}",
                                 headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["subject"] == f"A{RLO}B"
