"""Marketplace cases in Chromium, JavaScript on and off (decisions §7): a customer writes from the host's
order page, the shop sees the order and its link and asks the marketplace to step in, an admin finds it
under Escalated, answers both sides and resolves it; the settings page switches customer starts at once.
Screenshots of every new screen at desktop and phone width, each checked with axe."""
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.browser_support import DESKTOP, PHONE, Backstage, screenshot, sign_in_customer, sign_in_staff

ORDER_URL = "https://shop.example/orders/{ref}"
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture(autouse=True)
def order_links(live_server):
    live_server.app.config["ORDER_URL_TEMPLATE"] = ORDER_URL


def entry_point(ref: str, label: str) -> str:
    return f"/shop/account/messages/new?context_type=order&context_ref={ref}&context_label={label.replace(' ', '+')}"


def open_thread_from_list(page, subject: str) -> None:
    page.locator(".conversation__link", has_text=subject).click()
    expect(page.locator("#thread-subject")).to_have_text(subject)


def filter_escalated(page, javascript: bool) -> None:
    page.get_by_label("Escalated").check()
    if not javascript:
        page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"escalated=1"))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_order_case_from_entry_point_to_resolution(open_session, live_server, javascript):
    ref = f"GG-{uuid.uuid4().hex[:6].upper()}"
    subject = f"Wrong apples in {ref}"

    # The customer arrives from the host's order page, the order already named.
    customer = open_session(javascript=javascript).new_page()
    sign_in_customer(customer, "chloe@example.test", "Green Grocer")
    customer.goto(entry_point(ref, "Apple crate"))
    expect(customer.locator(".case-context")).to_contain_text(f"About order {ref} · Apple crate")
    customer.get_by_label("Subject", exact=True).fill(subject)
    customer.get_by_label("Message", exact=True).fill("I ordered Braeburn and got Gala.")
    customer.get_by_role("button", name="Send to Green Grocer").click()
    expect(customer.locator("#thread-subject")).to_have_text(subject)
    expect(customer.locator(".flash")).to_have_text("Message sent. The shop will answer here.")

    # The shop sees it with the order reference, and the link to the order.
    vendor = open_session(javascript=javascript).new_page()
    sign_in_staff(vendor, "gary@greengrocer.test")
    row = vendor.locator(".conversation", has_text=subject)
    expect(row.locator(".chip--context")).to_have_text(f"Order {ref}")
    open_thread_from_list(vendor, subject)
    expect(vendor.locator(".case-context a")).to_have_attribute("href", ORDER_URL.format(ref=ref))
    vendor.get_by_text("Ask the marketplace to step in").click()
    vendor.get_by_label("What should the marketplace look at?").fill("The customer wants a refund we cannot give.")
    vendor.get_by_role("button", name="Ask the marketplace").click()
    expect(vendor.locator(".case-escalation--open")).to_contain_text("Escalated to the marketplace by Gary Garden")
    expect(vendor.locator(".message--system").last).to_contain_text("Gary Garden asked the marketplace to step in")

    # An admin finds it under Escalated and answers both sides.
    admin = open_session(javascript=javascript).new_page()
    sign_in_staff(admin, "ops@marketplace.test")
    filter_escalated(admin, javascript)
    expect(admin.locator(".conversation__subject", has_text=subject)).to_be_visible()
    expect(admin.locator(".conversation__subject", has_text="Bulk order for a restaurant")).to_have_count(0)
    open_thread_from_list(admin, subject)
    admin.get_by_label("Your reply").fill("The marketplace will refund the difference.")
    admin.get_by_role("button", name="Send").click()
    expect(admin.locator("#thread-messages > li").filter(has_text="will refund the difference")).to_have_count(1)

    for page in (customer, vendor):
        page.reload()
        expect(page.locator("#thread-messages > li").filter(has_text="will refund the difference")).to_have_count(1)
        expect(page.locator(".message__sender").last).to_have_text("Oscar Ops")

    admin.get_by_role("button", name="Mark resolved").click()
    expect(admin.locator(".case-escalation")).to_contain_text("Resolved by Oscar Ops")
    expect(admin.get_by_role("button", name="Mark resolved")).to_have_count(0)
    admin.goto("/admin/messages?escalated=1")
    expect(admin.locator(".conversation__subject", has_text=subject)).to_have_count(0)
    # Oscar took part, so the conversation stays in his inbox; Alice never did, and does not see it.
    admin.goto("/admin/messages")
    expect(admin.locator(".conversation__subject", has_text=subject)).to_be_visible()
    backstage = Backstage(live_server)
    conversation_id = backstage.conversation_id(subject)
    other_admin_session = open_session(javascript=javascript)
    other_admin_session.expected_errors.append("status of 404")
    other_admin = other_admin_session.new_page()
    sign_in_staff(other_admin, "admin@marketplace.test")
    assert other_admin.goto(f"/admin/messages/{conversation_id}").status == 404


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_settings_page_turns_customer_starts_off_and_on_at_once(open_session, live_server, javascript):
    admin = open_session(javascript=javascript).new_page()
    sign_in_staff(admin, "admin@marketplace.test")
    admin.get_by_role("link", name="Messaging settings").click()
    expect(admin.get_by_role("heading", name="Messaging settings")).to_be_visible()

    customer_session = open_session(javascript=javascript)
    customer_session.expected_errors.append("status of 403")
    customer = customer_session.new_page()
    sign_in_customer(customer, "dan@example.test", "Tech Hub")
    try:
        admin.get_by_label("Customers can start conversations with their shop").uncheck()
        admin.get_by_role("button", name="Save settings").click()
        expect(admin.locator("table.changes tbody tr").first).to_contain_text("Alice Admin")
        expect(admin.locator("table.changes tbody tr").first).to_contain_text("false")

        assert customer.goto(entry_point("TH-1", "Cable")).status == 403
        customer.goto("/shop/account/messages")
        expect(customer.get_by_role("link", name="Contact the shop")).to_have_count(0)
    finally:
        admin.get_by_label("Customers can start conversations with their shop").check()
        admin.get_by_role("button", name="Save settings").click()
        expect(admin.locator("table.changes tbody tr").first).to_contain_text("true")

    customer.goto("/shop/account/messages")
    customer.get_by_role("link", name="Contact the shop").click()
    expect(customer.get_by_role("heading", name="Contact Tech Hub")).to_be_visible()


@pytest.fixture(params=list(VIEWPORTS))
def width(request):
    return request.param


def test_case_screens(open_session, live_server, width):
    """The demo's escalated order case and each new screen, as each role sees it."""
    backstage = Backstage(live_server)
    case_id = backstage.conversation_id("Two items missing from my box")

    customer = open_session(viewport=VIEWPORTS[width]).new_page()
    sign_in_customer(customer, "chris@example.test", "Green Grocer")
    customer.goto("/shop/account/messages")
    screenshot(customer, f"case-shop-messages-contact-{width}")
    customer.goto(entry_point("GG-20001", "Fruit basket"))
    screenshot(customer, f"case-shop-contact-entry-point-{width}")
    customer.goto(f"/shop/account/messages/{case_id}")
    screenshot(customer, f"case-shop-thread-escalated-{width}")

    vendor = open_session(viewport=VIEWPORTS[width]).new_page()
    sign_in_staff(vendor, "gina@greengrocer.test")
    screenshot(vendor, f"case-vendor-list-context-{width}")
    vendor.goto(f"/vendor/messages/{backstage.conversation_id('Where is my order #1042?')}")
    vendor.get_by_text("Ask the marketplace to step in").click()
    screenshot(vendor, f"case-vendor-escalate-form-{width}")
    vendor.goto("/vendor/messages/new")
    screenshot(vendor, f"case-vendor-compose-context-{width}")

    admin = open_session(viewport=VIEWPORTS[width]).new_page()
    sign_in_staff(admin, "admin@marketplace.test")
    admin.goto("/admin/messages?escalated=1")
    screenshot(admin, f"case-admin-escalated-list-{width}")
    admin.goto(f"/admin/messages/{case_id}?escalated=1")
    screenshot(admin, f"case-admin-thread-escalated-{width}")
    admin.goto("/admin/settings/messaging")
    screenshot(admin, f"case-admin-settings-{width}")
