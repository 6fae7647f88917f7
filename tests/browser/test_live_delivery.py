"""Live delivery in the browser: with polling every 30 seconds, only the push can pass these.

Two Chromium contexts (two people, JavaScript on) on the app; what one does shows on the
other's open page within two seconds, without a reload, and nothing typed is lost.
"""
import re

import pytest
from playwright.sync_api import expect

from messaging.models import ConversationType
from tests.browser.browser_support import (
    Backstage,
    badge_count,
    screenshot,
    sign_in_customer,
    sign_in_staff,
    unique,
)
from tests.browser.live_server import start_live_server

POLL_SECONDS = 30
PUSHED = 2000  # ms: the issue asks for one second; two leave room on a shared machine


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """This module's own server, polling every 30 s (the other modules poll every second)."""
    server = start_live_server(tmp_path_factory.mktemp("push"), poll_seconds=POLL_SECONDS)
    yield server
    server.stop()


def wait_until_live(page) -> None:
    expect(page.locator("body")).to_have_class(re.compile(r"\blive\b"), timeout=5000)


def open_thread(page, subject: str) -> None:
    page.locator(".conversation__link", has_text=subject).click()
    expect(page.locator("#thread-subject")).to_have_text(subject)


def test_an_admin_message_reaches_the_vendors_open_thread_and_badge(open_session, live_server):
    backstage = Backstage(live_server)
    alice, gina = backstage.staff("admin@marketplace.test"), backstage.staff("gina@greengrocer.test")
    subject, other_subject = unique("Payout schedule"), unique("Shop photos")
    conversation_id = backstage.start(alice, ConversationType.ADMIN_VENDOR, gina, subject)
    other_id = backstage.start(alice, ConversationType.ADMIN_VENDOR, gina, other_subject)

    vendor = open_session().new_page()
    sign_in_staff(vendor, "gina@greengrocer.test")
    open_thread(vendor, subject)
    wait_until_live(vendor)
    vendor.get_by_label("Your reply").fill("Half-typed answer")
    badge_before = badge_count(vendor)

    admin = open_session().new_page()
    sign_in_staff(admin, "admin@marketplace.test")
    admin.goto(f"/admin/messages/{conversation_id}")
    admin.get_by_label("Your reply").fill("Payouts move to Fridays.")
    admin.get_by_role("button", name="Send").click()

    pushed = vendor.locator("#thread-messages > li", has_text="Payouts move to Fridays.")
    expect(pushed).to_have_count(1, timeout=PUSHED)
    expect(vendor.get_by_label("Your reply")).to_have_value("Half-typed answer")

    backstage.send(alice, other_id, "And please send new photos.")
    expect(vendor.locator("#unread-badge")).to_have_attribute("data-count", str(badge_before + 1), timeout=PUSHED)
    first = vendor.locator("#conversation-list .conversation").first
    expect(first).to_have_attribute("data-conversation-id", str(other_id), timeout=PUSHED)
    expect(first).to_have_class(re.compile("conversation--unread"))
    # Nothing shown twice, the draft still there, after everything settled.
    vendor.wait_for_timeout(500)
    expect(pushed).to_have_count(1)
    expect(vendor.get_by_label("Your reply")).to_have_value("Half-typed answer")
    screenshot(vendor, "live-vendor-thread-after-push")


def test_a_vendor_reply_appears_on_the_shop_thread_page(open_session, live_server):
    backstage = Backstage(live_server)
    gina = backstage.staff("gina@greengrocer.test")
    carol = backstage.customer("carol@example.test", "green-grocer")
    subject = unique("Your basket")
    conversation_id = backstage.start(gina, ConversationType.VENDOR_CUSTOMER, carol, subject)

    shopper = open_session().new_page()
    sign_in_customer(shopper, "carol@example.test", "Green Grocer")
    shopper.goto(f"/shop/account/messages/{conversation_id}")
    wait_until_live(shopper)

    vendor = open_session().new_page()
    sign_in_staff(vendor, "gina@greengrocer.test")
    vendor.goto(f"/vendor/messages/{conversation_id}")
    vendor.get_by_label("Your reply").fill("The apples are back in stock.")
    vendor.get_by_role("button", name="Send").click()

    expect(shopper.locator("#thread-messages > li", has_text="The apples are back in stock.")).to_have_count(
        1, timeout=PUSHED)
    screenshot(shopper, "live-shop-thread-after-push")


def test_reading_in_one_tab_clears_the_badge_in_another(open_session, live_server):
    backstage = Backstage(live_server)
    alice, tom = backstage.staff("admin@marketplace.test"), backstage.staff("tom@techhub.test")
    subject = unique("Listing review")
    conversation_id = backstage.start(alice, ConversationType.ADMIN_VENDOR, tom, subject)

    person = open_session()
    inbox = person.new_page()
    sign_in_staff(inbox, "tom@techhub.test")
    wait_until_live(inbox)
    unread = badge_count(inbox)
    assert unread >= 1
    row = inbox.locator(f"#conversation-list [data-conversation-id='{conversation_id}']")
    expect(row).to_have_class(re.compile("conversation--unread"))

    other_tab = person.new_page()
    other_tab.goto(f"/vendor/messages/{conversation_id}")
    expect(other_tab.locator("#thread-subject")).to_have_text(subject)

    expect(inbox.locator("#unread-badge")).to_have_attribute("data-count", str(unread - 1), timeout=PUSHED)
    expect(row).not_to_have_class(re.compile("conversation--unread"), timeout=PUSHED)
