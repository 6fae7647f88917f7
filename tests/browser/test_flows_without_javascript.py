"""The same main flows with JavaScript off: ordinary links, forms and full pages (post/redirect/get)."""
import re

from playwright.sync_api import expect

from messaging.models import ConversationType
from tests.browser.browser_support import (
    Backstage,
    badge_count,
    png_file,
    reply_with_attachment,
    sign_in_customer,
    sign_in_staff,
    unique,
)


def reply_by_form_post(page, text: str, filename: str) -> None:
    reply_with_attachment(page, text, filename)
    expect(page.locator(".flash")).to_have_text("Message sent.")


def test_admin_without_javascript(open_session, live_server):
    backstage = Backstage(live_server)
    alice, gina = backstage.staff("admin@marketplace.test"), backstage.staff("gina@greengrocer.test")
    subject = unique("No-JS invoice")
    conversation_id = backstage.start(alice, ConversationType.ADMIN_VENDOR, gina, subject)
    backstage.send(gina, conversation_id, "Any news?")

    page = open_session(javascript=False).new_page()
    sign_in_staff(page, "admin@marketplace.test")
    unread_before = badge_count(page)

    # Filter: a plain GET form with a visible Filter button.
    page.get_by_label("Status").select_option("closed")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"status=closed"))
    expect(page.locator(".conversation__subject", has_text="Product photos need a white background")).to_be_visible()
    expect(page.locator(".conversation__subject", has_text=subject)).to_have_count(0)
    page.get_by_label("Status").select_option("")
    page.get_by_label("Unread").check()
    page.get_by_role("button", name="Filter").click()

    # Open: a full page, and reading it lowers the badge.
    page.locator(".conversation__link", has_text=subject).click()
    # The link lands on the first unread message (issue 12).
    expect(page).to_have_url(re.compile(rf"/admin/messages/{conversation_id}(\?unread=1)?#first-unread$"))
    assert badge_count(page) == unread_before - 1

    reply_by_form_post(page, "Answered without JavaScript.", "nojs.png")

    page.get_by_role("button", name="Close conversation").click()
    expect(page.locator(".flash")).to_have_text("Conversation closed.")
    expect(page.locator(".closed-notice")).to_be_visible()
    page.get_by_role("button", name="Reopen conversation").click()
    expect(page.locator(".flash")).to_have_text("Conversation reopened.")

    page.get_by_label("Email me about new messages").uncheck()
    page.locator("#preferences-form").get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Email notifications are off.")
    expect(page.get_by_label("Email me about new messages")).not_to_be_checked()


def test_admin_composes_without_javascript(open_session, live_server):
    page = open_session(javascript=False).new_page()
    sign_in_staff(page, "admin@marketplace.test")
    page.get_by_role("link", name="New conversation").click()
    expect(page).to_have_url(re.compile(r"/admin/messages/new$"))
    page.get_by_label("Customer").check()
    page.get_by_label("Search people").fill("Dora")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".recipient")).to_have_count(1)
    page.locator(".recipient", has_text="Dora Pixel").click()
    subject = unique("No-JS compose")
    page.get_by_label("Subject", exact=True).fill(subject)
    page.get_by_label("Message", exact=True).fill("Written with JavaScript off.")
    page.locator("#compose-attachments").set_input_files([png_file("form.png")])
    page.get_by_role("button", name="Start conversation").click()
    expect(page.locator(".flash")).to_have_text("Conversation started.")
    expect(page.locator("#thread-subject")).to_have_text(subject)
    expect(page.locator(".attachment__name")).to_have_text("form.png")


def test_vendor_of_two_shops_chooses_and_switches_without_javascript(open_session, live_server):
    page = open_session(javascript=False).new_page()
    sign_in_staff(page, "sam@marketplace-partners.test", vendor_name="Tech Hub")
    expect(page.get_by_label("Acting for")).to_have_value("tech-hub")
    page.get_by_label("Acting for").select_option("green-grocer")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_label("Acting for")).to_have_value("green-grocer")
    expect(page.locator(".conversation__subject", has_text="Commission rates for the spring season")).to_be_visible()


def test_vendor_reads_and_replies_without_javascript(open_session, live_server):
    backstage = Backstage(live_server)
    subject = unique("No-JS vendor")
    conversation_id = backstage.start(
        backstage.staff("ops@marketplace.test"), ConversationType.ADMIN_VENDOR,
        backstage.staff("gary@greengrocer.test"), subject,
    )
    page = open_session(javascript=False).new_page()
    sign_in_staff(page, "gary@greengrocer.test")
    unread_before = badge_count(page)
    page.locator(".conversation__link", has_text=subject).click()
    expect(page).to_have_url(re.compile(rf"/vendor/messages/{conversation_id}#first-unread$"))
    assert badge_count(page) == unread_before - 1
    reply_by_form_post(page, "Vendor answer, no JavaScript.", "vendor.png")


def test_customer_reads_and_replies_without_javascript(open_session, live_server):
    backstage = Backstage(live_server)
    subject = unique("No-JS order")
    backstage.start(
        backstage.staff("tom@techhub.test"), ConversationType.VENDOR_CUSTOMER,
        backstage.customer("carol@example.test", "tech-hub"), subject,
    )
    page = open_session(javascript=False).new_page()
    sign_in_customer(page, "carol@example.test", "Tech Hub")
    unread_before = badge_count(page)
    page.locator(".card--link").click()
    page.get_by_label("Status").select_option("open")
    page.get_by_role("button", name="Filter").click()
    page.locator(".conversation__link", has_text=subject).click()
    assert badge_count(page) == unread_before - 1
    reply_by_form_post(page, "Customer answer, no JavaScript.", "customer.png")
    page.get_by_role("link", name="All messages").click()
    expect(page.locator(".conversation__subject").first).to_have_text(subject)
