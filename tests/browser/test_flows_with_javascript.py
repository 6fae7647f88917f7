"""The main flows with JavaScript on: htmx swaps, polling, the compose modal."""
import re
import time

from playwright.sync_api import expect

from messaging.models import ConversationType
from tests.browser.browser_support import (
    POLL_SECONDS,
    Backstage,
    badge_count,
    reply_with_attachment,
    sign_in_customer,
    sign_in_staff,
    unique,
    wait_until_htmx_settled,
)

# Long enough for one polling interval plus a request, short enough to fail fast.
WITHIN_ONE_POLL = (POLL_SECONDS + 2) * 1000


def compose_to(page, name: str, *, search: str, recipient_kind: str | None = None):
    """Open the compose modal and pick the one recipient the search finds; returns the dialog."""
    page.get_by_role("link", name="New conversation").click()
    dialog = page.locator("dialog#compose-dialog")
    expect(dialog).to_be_visible()
    wait_until_htmx_settled(page)
    if recipient_kind:
        dialog.get_by_label(recipient_kind).check()
    dialog.get_by_label("Search people").fill(search)
    expect(dialog.locator(".recipient")).to_have_count(1)
    dialog.locator(".recipient", has_text=name).click()
    return dialog


def reply_in_place(page, text: str, filename: str) -> None:
    reply_with_attachment(page, text, filename)
    # htmx swapped in a fresh, empty form; no page load happened.
    expect(page.get_by_label("Your reply")).to_have_value("")


def test_admin_reads_and_replies_and_the_list_moves_the_thread_up(open_session, live_server):
    backstage = Backstage(live_server)
    alice, gina = backstage.staff("admin@marketplace.test"), backstage.staff("gina@greengrocer.test")
    subject = unique("Invoice question")
    conversation_id = backstage.start(alice, ConversationType.ADMIN_VENDOR, gina, subject)
    backstage.send(gina, conversation_id, "Could you check my invoice?")
    # A newer conversation, so ours is not at the top until we answer it.
    backstage.start(alice, ConversationType.ADMIN_VENDOR, backstage.staff("tom@techhub.test"), unique("Newer topic"))

    page = open_session().new_page()
    sign_in_staff(page, "admin@marketplace.test")
    unread_before = badge_count(page)
    assert unread_before >= 1
    page.locator(".conversation__link", has_text=subject).click()
    expect(page.locator("#thread-subject")).to_have_text(subject)
    expect(page).to_have_url(re.compile(rf"/admin/messages/{conversation_id}$"))
    expect(page.locator("#unread-badge")).to_have_attribute("data-count", str(unread_before - 1))

    reply_in_place(page, "Checked: all good.", "invoice.png")
    expect(page.locator(".conversation__subject").first).to_have_text(subject)


def test_vendor_reads_and_replies(open_session, live_server):
    backstage = Backstage(live_server)
    subject = unique("Shipping rules")
    conversation_id = backstage.start(
        backstage.staff("admin@marketplace.test"), ConversationType.ADMIN_VENDOR,
        backstage.staff("tara@techhub.test"), subject,
    )
    page = open_session().new_page()
    sign_in_staff(page, "tara@techhub.test")
    unread_before = badge_count(page)
    assert unread_before >= 1
    page.locator(".conversation__link", has_text=subject).click()
    expect(page).to_have_url(re.compile(rf"/vendor/messages/{conversation_id}$"))
    expect(page.locator("#unread-badge")).to_have_attribute("data-count", str(unread_before - 1))
    reply_in_place(page, "Understood, thanks.", "label.png")


def test_customer_reads_and_replies(open_session, live_server):
    backstage = Backstage(live_server)
    subject = unique("Your basket")
    backstage.start(
        backstage.staff("gina@greengrocer.test"), ConversationType.VENDOR_CUSTOMER,
        backstage.customer("chloe@example.test", "green-grocer"), subject,
    )
    page = open_session().new_page()
    sign_in_customer(page, "chloe@example.test", "Green Grocer")
    unread_before = badge_count(page)
    assert unread_before >= 1
    expect(page.locator(".card--link")).to_contain_text(f"{unread_before} unread")
    page.get_by_role("link", name=re.compile("^Messages")).first.click()
    page.locator(".conversation__link", has_text=subject).click()
    expect(page.locator("h1#thread-subject")).to_have_text(subject)
    expect(page.locator("#unread-badge")).to_have_attribute("data-count", str(unread_before - 1))
    reply_in_place(page, "Thank you!", "receipt.png")


def test_admin_composes_and_the_vendor_sees_it_arrive_without_reloading(open_session, live_server):
    vendor_page = open_session().new_page()
    sign_in_staff(vendor_page, "tom@techhub.test")
    vendor_page.evaluate("window.__notReloaded = true")
    unread_before = badge_count(vendor_page)

    admin_page = open_session().new_page()
    sign_in_staff(admin_page, "ops@marketplace.test")
    dialog = compose_to(admin_page, "Tom Tech", search="Tom", recipient_kind="Vendor staff")
    subject = unique("Arrives by polling")
    dialog.get_by_label("Subject").fill(subject)
    dialog.get_by_label("Message").fill("Hello Tom, this should reach you within one polling interval.")
    dialog.get_by_role("button", name="Start conversation").click()
    expect(dialog).to_have_count(0)
    expect(admin_page.locator("#thread-subject")).to_have_text(subject)
    expect(admin_page).to_have_url(re.compile(r"/admin/messages/\d+$"))
    expect(admin_page.locator(".conversation__subject").first).to_have_text(subject)

    expect(vendor_page.locator(".conversation__subject").first).to_have_text(subject, timeout=WITHIN_ONE_POLL)
    expect(vendor_page.locator("#unread-badge")).to_have_attribute(
        "data-count", str(unread_before + 1), timeout=WITHIN_ONE_POLL)

    # With the thread open on the vendor's side, the admin's next message appears in it by itself.
    vendor_page.locator(".conversation__link", has_text=subject).click()
    expect(vendor_page.locator("#thread-subject")).to_have_text(subject)
    admin_page.get_by_label("Your reply").fill("One more thing: the new fee table.")
    admin_page.get_by_role("button", name="Send").click()
    expect(vendor_page.locator("#thread-messages")).to_contain_text(
        "One more thing: the new fee table.", timeout=WITHIN_ONE_POLL)
    # It arrived in the thread on screen, so the page marks it read: the server's count comes back down.
    tom = Backstage(live_server).staff("tom@techhub.test")
    deadline = time.monotonic() + WITHIN_ONE_POLL / 1000
    while Backstage(live_server).unread(tom) != unread_before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert Backstage(live_server).unread(tom) == unread_before
    assert vendor_page.evaluate("window.__notReloaded") is True


def test_close_reopen_and_preference_with_htmx(open_session, live_server):
    backstage = Backstage(live_server)
    subject = unique("Closing time")
    conversation_id = backstage.start(
        backstage.staff("admin@marketplace.test"), ConversationType.ADMIN_CUSTOMER,
        backstage.customer("dan@example.test", "tech-hub"), subject,
    )
    page = open_session().new_page()
    sign_in_staff(page, "admin@marketplace.test")
    page.goto(f"/admin/messages/{conversation_id}")
    page.evaluate("window.__notReloaded = true")
    page.get_by_role("button", name="Close conversation").click()
    expect(page.locator(".closed-notice")).to_be_visible()
    expect(page.locator("#thread-messages")).to_contain_text("Closed by Alice Admin")
    page.get_by_role("button", name="Reopen conversation").click()
    expect(page.get_by_label("Your reply")).to_be_visible()
    page.get_by_label("Email me about new messages").uncheck()
    expect(page.locator("#preferences-form .saved")).to_have_text("Saved")
    page.reload()
    expect(page.get_by_label("Email me about new messages")).not_to_be_checked()


def test_a_poll_answered_after_closing_here_is_dropped_quietly(open_session, live_server):
    """A thread poll under way while the reader closes the conversation comes back for a panel no
    longer on the page: nothing is swapped and nothing is thrown (the session fixture fails the
    test on any console error)."""
    backstage = Backstage(live_server)
    conversation_id = backstage.start(
        backstage.staff("admin@marketplace.test"), ConversationType.ADMIN_CUSTOMER,
        backstage.customer("dan@example.test", "tech-hub"), unique("Poll under way"),
    )
    page = open_session().new_page()
    sign_in_staff(page, "admin@marketplace.test")
    page.goto(f"/admin/messages/{conversation_id}")
    held = []

    def hold_the_first(route):
        if held:
            route.continue_()  # the new panel's own polls
        else:
            held.append(route)

    page.route(re.compile(rf"/admin/messages/{conversation_id}/updates"), hold_the_first)
    page.evaluate("htmx.trigger('#thread-poller', 'live-update')")
    expect(page.locator("#thread-poller.htmx-request")).to_have_count(1)
    page.get_by_role("button", name="Close conversation").click()
    expect(page.locator(".closed-notice")).to_be_visible()
    held[0].continue_()  # answered for the status it asked about ("open"): the whole panel, re-targeted
    wait_until_htmx_settled(page)
    expect(page.locator("#thread-messages")).to_contain_text("Closed by Alice Admin")
    expect(page.get_by_role("button", name="Reopen conversation")).to_be_visible()


def test_enter_in_the_compose_subject_sends_the_conversation(open_session, live_server):
    page = open_session().new_page()
    sign_in_staff(page, "gina@greengrocer.test")
    dialog = compose_to(page, "Chloe Fresh", search="Chloe")
    dialog.get_by_label("Message").fill("Your basket is ready for pick-up.")
    subject = unique("Sent with Enter")
    dialog.get_by_label("Subject").fill(subject)
    dialog.get_by_label("Subject").press("Enter")
    expect(dialog).to_have_count(0)
    expect(page.locator("#thread-subject")).to_have_text(subject)
